// The evacuation request the planner, probe and service tests start from (lab-a → lab-b, one tree at a time).
import type { EvacuationRequest } from '../../app/model/evacuation';

export const evacuationRequest = (over: Partial<EvacuationRequest> = {}): EvacuationRequest => ({
  host: 'lab-a',
  to: ['lab-b'],
  parallel: 1,
  freezeBudgetMs: 60_000,
  onFailure: 'continue',
  ...over,
});
