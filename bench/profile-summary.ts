import { readFileSync } from 'node:fs';

/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a `--cpu-prof` profile spent its time, by
 * function (self time) and by file or package (self time), so that a profile can be read without DevTools.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArgument ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const place = placeOf(url);
  const name = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  byPlace.set(place, (byPlace.get(place) ?? 0) + hits);
}
const print = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, hits] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((hits / totalHits) * 100).toFixed(1).padStart(5)} %  ${name}`);
  }
};
console.log(`${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ${totalHits} samples`);
print('self time by file or package', byPlace);
print('self time by function', byFunction);

function placeOf(url: string): string {
  if (url === '') return '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const projectMatch = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (projectMatch) return `${projectMatch[1]}/${projectMatch[2]}`;
  return url.replace(/^node:/, 'node:');
}
