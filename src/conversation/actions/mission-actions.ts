import { isRunning, missionLines } from '../../loyalty/missions/mission';
import { requireMember, type ActionDeps, type ActionModule } from '../action-module';

const outcomes = {
  listMissions: ['listed', 'empty'],
} as const;

export const missionActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules }: ActionDeps) {
    const { missions } = repositories;

    return {
      async listMissions({ memberId, now, locale }) {
        const id = requireMember(memberId, 'listMissions');
        const running = (await missions.all()).filter((mission) => isRunning(mission, now)).sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime());
        if (running.length === 0) return { outcome: 'empty' };
        const progress = await missions.progressOf(id, running.map((mission) => mission.id));
        return { outcome: 'listed', variables: { missionLines: missionLines(running, progress, locale, rules().zone).join('\n\n') } };
      },
    };
  },
};
