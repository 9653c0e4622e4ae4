import type { Logger } from '../../shared/logger';
import { followRevision, type RevisionFollower } from '../../shared/revision-follower';
import type { ProgrammeRules } from '../programme';
import { rulesWith, storedOverrides } from './programme-settings';
import type { ProgrammeSettingsRepository, StoredProgrammeSettings } from './programme-settings-repository';

/**
 * The programme rules in effect: the env defaults with the console's numbers on top. A change on
 * this server applies at once (`refresh`); other servers sharing the database notice the revision
 * moved on their next poll, as the live catalog does.
 */
export interface LiveProgramme extends RevisionFollower {
  /**
   * The rules now. Callers read it once per turn or job and pass the object on, so use cases stay
   * pure and one turn never mixes two versions of the numbers.
   */
  rules(): ProgrammeRules;
  /** The rules from env alone: what "reset to defaults" returns to. */
  readonly defaults: ProgrammeRules;
  /** The stored document the current rules were built from. */
  stored(): StoredProgrammeSettings;
}

export async function createLiveProgramme(deps: {
  defaults: ProgrammeRules;
  settings: ProgrammeSettingsRepository;
  logger: Logger;
}): Promise<LiveProgramme> {
  let rules = deps.defaults;
  let stored: StoredProgrammeSettings = { overrides: {}, revision: 0, updatedAt: null, updatedBy: null };
  const follower = followRevision({
    revision: () => deps.settings.revision(),
    async rebuild() {
      stored = await deps.settings.current();
      rules = rulesWith(deps.defaults, storedOverrides(stored.overrides));
    },
    what: 'the programme settings revision',
    logger: deps.logger,
  });
  await follower.refresh();
  return { rules: () => rules, defaults: deps.defaults, stored: () => stored, ...follower };
}
