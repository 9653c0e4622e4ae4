import type { ProgrammeRules } from '../programme';
import type { LiveProgramme } from './live-programme';
import { overridesAfter, rulesWith, settingsOf, storedOverrides, type ProgrammeOverrides, type ProgrammeSettings, type ProgrammeSettingsChange } from './programme-settings';
import type { ProgrammeSettingsRepository } from './programme-settings-repository';

/** A change as the audit log keeps it: the numbers in effect and which of them the console set. */
export interface ProgrammeSettingsSnapshot {
  values: ProgrammeSettings;
  overrides: ProgrammeOverrides;
}

export interface ProgrammeSettingsChanged {
  before: ProgrammeSettingsSnapshot;
  after: ProgrammeSettingsSnapshot;
}

type Deps = { programmeSettings: ProgrammeSettingsRepository; live: LiveProgramme };

/**
 * A marketer changes programme numbers. Only what the next turns and jobs read changes: points
 * already awarded stay as they are. This server applies the change before answering; the others
 * within their refresh interval.
 */
export async function changeProgrammeSettings(deps: Deps, change: ProgrammeSettingsChange, by: string, now: Date): Promise<ProgrammeSettingsChanged> {
  const { before } = await deps.programmeSettings.change(change, by, now);
  await deps.live.refresh();
  return snapshots(deps.live.defaults, before, overridesAfter(storedOverrides(before), change));
}

/** Every number back to its env variable. */
export async function resetProgrammeSettings(deps: Deps, by: string, now: Date): Promise<ProgrammeSettingsChanged> {
  const { before } = await deps.programmeSettings.reset(by, now);
  await deps.live.refresh();
  return snapshots(deps.live.defaults, before, {});
}

function snapshots(defaults: ProgrammeRules, before: ProgrammeOverrides, after: ProgrammeOverrides): ProgrammeSettingsChanged {
  const snapshot = (overrides: ProgrammeOverrides) => {
    const valid = storedOverrides(overrides);
    return { values: settingsOf(rulesWith(defaults, valid)), overrides: valid };
  };
  return { before: snapshot(before), after: snapshot(after) };
}
