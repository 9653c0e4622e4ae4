import { leaderboardLines, placeIn, snapshotTimeLabel, type LeaderboardDisplay } from '../../loyalty/leaderboard/leaderboard';
import { createSnapshotReader } from '../../loyalty/leaderboard/snapshot-leaderboard';
import { requireMember, type ActionDeps, type ActionModule } from '../action-module';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

const outcomes = {
  showLeaderboard: ['ranked', 'unranked', 'optedOut', 'empty'],
  optOutOfLeaderboard: ['optedOut'],
  optInToLeaderboard: ['optedIn'],
  setLeaderboardName: ['changed'],
} as const;

export const leaderboardActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules }: ActionDeps) {
    const { members } = repositories;
    const zone = rules().earning.zone;
    const currentSnapshot = createSnapshotReader(repositories, zone);

    return {
      /** The board as of the last snapshot (LEADERBOARD_SNAPSHOT_CRON), with the member's points now ranked among it. */
      async showLeaderboard({ memberId, now, locale }) {
        const id = requireMember(memberId, 'showLeaderboard');
        const snapshot = await currentSnapshot(now);
        const standing = await members.monthlyStanding(id, snapshot.month);
        const place = standing.settings.optedOut ? null : placeIn(snapshot, standing.earned);
        const number = numberFormat(locale);
        const variables = {
          month: now.setZone(zoneNamed(zone)).setLocale(locale).toFormat(locale === 'en' ? 'LLLL yyyy' : 'yyyy 年 M 月'),
          rows: leaderboardLines(snapshot.top, id, locale).join('\n'),
          ranked: number.format(place?.ranked ?? snapshot.ranked),
          takenAt: snapshotTimeLabel(snapshot.takenAt, now, zone),
        };
        if (standing.settings.optedOut) return { outcome: snapshot.ranked === 0 ? 'empty' : 'optedOut', variables };
        if (place === null) return { outcome: snapshot.ranked === 0 ? 'empty' : 'unranked', variables };
        return { outcome: 'ranked', variables: { ...variables, rank: number.format(place.rank), earned: number.format(place.earned) } };
      },

      async optOutOfLeaderboard({ memberId }) {
        const id = requireMember(memberId, 'optOutOfLeaderboard');
        await members.setLeaderboardSettings(id, { ...(await members.leaderboardSettings(id)), optedOut: true });
        return { outcome: 'optedOut' };
      },

      async optInToLeaderboard({ memberId }) {
        const id = requireMember(memberId, 'optInToLeaderboard');
        await members.setLeaderboardSettings(id, { ...(await members.leaderboardSettings(id)), optedOut: false });
        return { outcome: 'optedIn' };
      },

      async setLeaderboardName({ memberId, variables }) {
        const id = requireMember(memberId, 'setLeaderboardName');
        const nickname = variables.nickname?.trim() ?? '';
        const display: LeaderboardDisplay =
          variables.display === 'nickname' && nickname !== ''
            ? { kind: 'nickname', nickname }
            : variables.display === 'hidden'
              ? { kind: 'hidden' }
              : { kind: 'masked' };
        await members.setLeaderboardSettings(id, { ...(await members.leaderboardSettings(id)), display });
        return { outcome: 'changed', variables: { nickname } };
      },
    };
  },
};
