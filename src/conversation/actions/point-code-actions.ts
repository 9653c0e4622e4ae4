import type { ActionModule } from '../action-module';

// Placeholder, being written: the collect action (issue 4).
export const pointCodeActions: ActionModule<{}> = { outcomes: {}, create: () => ({}) };
