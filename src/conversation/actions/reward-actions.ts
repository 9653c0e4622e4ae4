import type { ActionModule } from '../action-module';

// Placeholder, being written: rewards and redeem actions (issue 4).
export const rewardActions: ActionModule<{}> = { outcomes: {}, create: () => ({}) };
