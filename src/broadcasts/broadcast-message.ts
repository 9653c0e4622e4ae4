import type { OutboundMessage } from '../channels/channel';
import type { FlowCatalog } from '../conversation/flow-catalog';
import type { Variables } from '../conversation/flow-engine';
import { locales, type Locale } from '../conversation/flow-schema';
import { renderTemplate } from '../conversation/template-rendering';
import { optOutFooterTemplate, pickLocale, withOptOutFooter, type BroadcastMessage } from './broadcast';

/**
 * What a member gets: the broadcast in `locale`, ending with the opt-out footer in the same language.
 * Free text goes out as the marketer wrote it; a template and the footer are filled like every template.
 */
export function renderBroadcast(catalog: FlowCatalog, message: BroadcastMessage, locale: Locale, variables: Variables): OutboundMessage {
  const body: OutboundMessage =
    message.kind === 'template' ? renderTemplate(catalog.template(message.templateId, locale), variables) : { kind: 'text', text: message.text[locale] ?? '' };
  return withOptOutFooter(body, renderTemplate(catalog.template(optOutFooterTemplate, locale), variables));
}

/** A template broadcast whose template a later publish removed (free text always renders). */
export function broadcastTemplateMissing(catalog: FlowCatalog, message: BroadcastMessage): boolean {
  return message.kind === 'template' && !catalog.hasTemplate(message.templateId);
}

/**
 * What members get, in each language the broadcast goes out in, for the console: the member's name, filled in per
 * member when sending, shows as `{name}`. Null when its template was removed since.
 */
export function previewBroadcast(catalog: FlowCatalog, message: BroadcastMessage): { locale: Locale; message: OutboundMessage }[] | null {
  if (broadcastTemplateMissing(catalog, message)) return null;
  return broadcastLocales(message).map((locale) => ({ locale, message: renderBroadcast(catalog, message, locale, { name: '{name}' }) }));
}

/** The language a member gets the broadcast in: theirs if the broadcast has it (a template has every one). */
export function broadcastLocaleFor(message: BroadcastMessage, preferred: Locale | null, defaultLocale: Locale): Locale {
  if (message.kind === 'template') return preferred ?? defaultLocale;
  return pickLocale(Object.keys(message.text) as Locale[], preferred, defaultLocale);
}

/** The languages a broadcast goes out in: those it has a text for, or every one for a template. */
export function broadcastLocales(message: BroadcastMessage): Locale[] {
  return message.kind === 'template' ? [...locales] : locales.filter((locale) => message.text[locale] !== undefined);
}
