// What every handler needs: the controller, the history, the event hub and the migration service.
import type { Controller } from '../controller/controller';
import type { MigrationService } from '../service/migration-service';
import type { HistoryStore } from '../store/history-db';
import type { EventHub } from './event-hub';

export interface ApiContext {
  controller: Controller;
  history: HistoryStore;
  events: EventHub;
  service: MigrationService;
}
