import { createRanking, leaderboardLines, leaderboardMonthOf, type LeaderboardDisplay } from '../../loyalty/leaderboard/leaderboard';
import { requireMember, type ActionDeps, type ActionModule } from '../action-module';

const outcomes = {
  showLeaderboard: ['ranked', 'unranked', 'optedOut', 'empty'],
  optOutOfLeaderboard: ['optedOut'],
  optInToLeaderboard: ['optedIn'],
  setLeaderboardName: ['changed'],
} as const;

const topSize = 10;

export const leaderboardActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules }: ActionDeps) {
    const { members } = repositories;

    return {
      async showLeaderboard({ memberId, now, locale }) {
        const id = requireMember(memberId, 'showLeaderboard');
        const month = leaderboardMonthOf(now, rules.earning.zone);
        const ranking = createRanking(id, topSize);
        // One pass over members per request: fine for tens of thousands, not for millions (see the README).
        for await (const candidate of members.streamLeaderboard(month)) ranking.add(candidate);
        const board = ranking.result();
        const number = new Intl.NumberFormat(locale);
        const settings = await members.leaderboardSettings(id);
        const variables = {
          month: now.setZone(rules.earning.zone).setLocale(locale).toFormat(locale === 'en' ? 'LLLL yyyy' : 'yyyy 年 M 月'),
          rows: leaderboardLines(board, id, locale).join('\n'),
          ranked: number.format(board.ranked),
        };
        if (settings.optedOut) return { outcome: board.ranked === 0 ? 'empty' : 'optedOut', variables };
        if (board.ranked === 0) return { outcome: 'empty', variables };
        if (board.own === null) return { outcome: 'unranked', variables };
        return {
          outcome: 'ranked',
          variables: { ...variables, rank: number.format(board.own.rank), earned: number.format(board.own.earned) },
        };
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
