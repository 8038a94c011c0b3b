// What every handler needs: the controller, the history, the event hub and the migration tasks.
import type { HistoryStore } from '../store/history-db';
import type { EventHub } from './event-hub';
import type { LiveController } from './live-controller';
import type { MigrationTasks } from './migration-api';

export interface ApiContext {
  controller: LiveController;
  history: HistoryStore;
  events: EventHub;
  tasks: MigrationTasks;
}
