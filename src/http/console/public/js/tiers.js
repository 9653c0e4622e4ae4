import { api } from './api.js';
import { localized } from './i18n.js';

let names = null;

/** Tier ids → names, read once per page load from GET /admin/api/tier-rules (every role may read it). */
export async function loadTierNames() {
  names ??= api.get('/tier-rules').then(
    (rules) => new Map(rules.tiers.map((tier) => [tier.id, tier.name])),
    () => new Map(),
  );
  return names;
}

export function forgetTierNames() {
  names = null;
}

/** The tier's name in the console's language, or its id when the rules no longer have it. */
export async function tierNamer() {
  const known = await loadTierNames();
  return (id) => (known.has(id) ? localized(known.get(id)) : id);
}
