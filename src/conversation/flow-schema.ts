import { z } from 'zod';

export const locales = ['zh-TW', 'en'] as const;
export type Locale = (typeof locales)[number];

const stepId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'step ids are lower-case words joined by dashes, e.g. ask-name');
const templateId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/, 'template ids look like group.name, e.g. checkin.awarded');
const optionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'option ids are letters, digits and dashes');
const variableName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/);

const askInput = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('text'),
      minLength: z.int().min(1).default(1),
      maxLength: z.int().min(1).max(500).default(100),
    })
    .describe('Free text, trimmed, within the length limits'),
  z.object({ type: z.literal('mobile') }).describe('A Taiwan mobile number: 09xxxxxxxx or +886 9xxxxxxxx'),
  z
    .object({ type: z.literal('date'), notInFuture: z.boolean().default(false) })
    .describe('A calendar date: 1990-05-01, 1990/5/1 or a date picker'),
  z.object({ type: z.literal('email') }).describe('An e-mail address'),
  z
    .object({ type: z.literal('choice'), options: z.array(optionId).min(1).max(13) })
    .describe('One of the options; the template gives each option a button (answer: <option>)'),
]);

/** Says a template, then goes on to `next`. */
const sayStep = z.object({ kind: z.literal('say'), template: templateId, next: stepId }).strict();

/** Ends the flow, optionally saying a template first. */
const endStep = z.object({ kind: z.literal('end'), template: templateId.optional() }).strict();

/**
 * Asks a question and waits for the answer. A wrong answer gets `retryTemplate`; after
 * `maxMisses` wrong answers in a row the flow ends politely. With `on`, each option of a choice
 * routes to its own step; otherwise the flow goes on to `next`.
 */
const askStep = z
  .object({
    kind: z.literal('ask'),
    template: templateId,
    retryTemplate: templateId,
    input: askInput,
    saveAs: variableName,
    optional: z.boolean().default(false).describe('Accept the answer "skip" (a button with answer: skip)'),
    maxMisses: z.int().min(1).max(10).default(3),
    next: stepId.optional(),
    on: z.record(optionId, stepId).optional(),
  })
  .strict();

/** Runs a named use case; every outcome it can return must route to a step. */
const actionStep = z
  .object({ kind: z.literal('action'), action: z.string().min(1), on: z.record(z.string(), stepId) })
  .strict();

export const stepSchema = z.discriminatedUnion('kind', [sayStep, endStep, askStep, actionStep]);

const keywordList = z.array(z.string().trim().min(1).max(40));

export const flowSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    version: z.int().min(1),
    description: z.string().optional(),
    trigger: z
      .object({
        intents: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default([]),
        keywords: z.partialRecord(z.enum(locales), keywordList).default({}),
        patterns: z
          .partialRecord(
            z.enum(locales),
            z.array(
              z
                .string()
                .trim()
                .regex(/^[^{}]+\{[a-zA-Z][a-zA-Z0-9]*\}$/, 'a pattern is words then one {variable}, e.g. 集點 {code}'),
            ),
          )
          .default({})
          .describe('Messages that start with the words and carry a value, e.g. "COLLECT {code}": the rest becomes the variable'),
        follow: z.boolean().default(false).describe('Start this flow when a person adds the account as a friend'),
        fallback: z.boolean().default(false).describe('Start this flow when nothing else understood the message'),
      })
      .strict(),
    requiresMember: z
      .boolean()
      .default(false)
      .describe('Non-members are offered signup instead of this flow'),
    start: stepId,
    steps: z.record(stepId, stepSchema),
  })
  .strict();

export type Flow = z.infer<typeof flowSchema>;
export type Step = z.infer<typeof stepSchema>;
export type AskStep = z.infer<typeof askStep>;
export type AskInput = z.infer<typeof askInput>;

const choiceSpec = z.union([
  z
    .object({
      label: z.string().min(1).max(20),
      intent: z.string().regex(/^[a-z][a-z0-9-]*$/),
      args: z.record(z.string(), z.string()).optional(),
      item: z
        .boolean()
        .optional()
        .describe('One thing of a list to pick (a reward): channels with carousels show each item as a card'),
    })
    .strict()
    .describe('A button that starts a flow by intent'),
  z
    .object({ label: z.string().min(1).max(20), answer: optionId })
    .strict()
    .describe("A button that answers the question asked by this template's step"),
]);

const choices = z.array(choiceSpec).max(13).optional();

/** Message wording. `{name}` placeholders are filled from the member, the answers and the action's result. */
export const templateSchema = z.union([
  z
    .object({
      text: z.string().min(1).max(2000),
      choices,
      itemButton: z.string().min(1).max(20).optional().describe("The button on each item's card, e.g. 兌換"),
    })
    .strict(),
  z
    .object({
      card: z
        .object({
          title: z.string().min(1).max(80),
          subtitle: z.string().max(80).optional(),
          fields: z.array(z.object({ label: z.string().min(1), value: z.string() }).strict()).max(10),
          progress: z
            .object({ label: z.string(), ratio: variableName.describe('a variable holding a number from 0 to 1') })
            .strict()
            .optional(),
          footer: z.string().max(200).optional(),
        })
        .strict(),
      choices,
    })
    .strict(),
]);

export const templateFileSchema = z.record(templateId, templateSchema);

export type Template = z.infer<typeof templateSchema>;
export type ChoiceSpec = z.infer<typeof choiceSpec>;
