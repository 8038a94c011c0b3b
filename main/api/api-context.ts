// What every handler needs: the controller, the history, the event hub, the migration service and the evacuations.
import type { Controller } from '../controller/controller';
import type { EvacuationService } from '../service/evacuation-service';
import type { MigrationService } from '../service/migration-service';
import type { HistoryStore } from '../store/history-db';
import type { EventHub } from './event-hub';

export interface ApiContext {
  controller: Controller;
  history: HistoryStore;
  events: EventHub;
  service: MigrationService;
  /** Host evacuations, each tree through `service`. */
  evacuations: EvacuationService;
}
