/**
 * The limits figures of the configurations that change the templates most, synthesized with the longest
 * stage name, and the table of them docs/deploy.md shows (`npm run limits -- --write` refreshes it).
 */
import { synthesize } from '../cdk/synthesize.js';
import { markdownTable } from '../markdown.js';
import { stackTemplates } from './assembly.js';
import { type Figure, headroom, measure } from './measure.js';

/** 12 characters: the longest stage infra/cdk/config.ts accepts, so every physical name is at its longest. */
export const worstCaseStage = 'longeststage';

/** Deploy options that add resources or lengthen policies; each is measured on its own. */
export const limitConfigurations: readonly { name: string; context: Record<string, unknown> }[] = [
  { name: 'default', context: {} },
  // Provisioned capacity adds auto scaling to every table and index; the account stack, a fourth stack.
  { name: 'provisioned', context: { dynamoCapacity: 'provisioned', apiGatewayCloudWatchRole: true } },
  // The VPC, its endpoints and security groups in the service stack; network-interface statements in every role.
  { name: 'private', context: { network: 'private' } },
];

export interface MeasuredFigure extends Figure {
  configuration: string;
}

export const share = (f: Figure) => f.value / f.limit;

/**
 * Synthesizes each configuration offline (templates only, no bundling; cdk-nag on, the Control Tower controls
 * left to their own test) and measures it.
 */
export function measureConfigurations(): MeasuredFigure[] {
  return limitConfigurations.flatMap(({ name, context }) => {
    const synthesis = synthesize(
      { ...context, stage: worstCaseStage },
      { bundle: false, controlTower: false },
    );
    try {
      return measure(stackTemplates(synthesis.assembly), {
        lambdaConcurrencyQuota: synthesis.built.config.lambdaConcurrencyQuota,
      }).map((f) => ({ ...f, configuration: name }));
    } finally {
      synthesis.cleanup();
    }
  });
}

/** Name lengths are one row: the longest name relative to its type's limit. */
const rowOf = (f: Figure) => (f.check.endsWith(' name') ? 'Physical name length' : f.check);

/** The largest figure of each check, over every configuration and subject, largest share first. */
export function worstFigures(figures: readonly MeasuredFigure[]): MeasuredFigure[] {
  const worst = new Map<string, MeasuredFigure>();
  for (const f of figures) {
    const previous = worst.get(rowOf(f));
    if (!previous || share(previous) < share(f)) worst.set(rowOf(f), f);
  }
  return [...worst.values()].sort((a, b) => share(b) - share(a) || a.check.localeCompare(b.check));
}

export function limitsTable(figures: readonly MeasuredFigure[]): string {
  const number = (n: number) => n.toLocaleString('en-US');
  return markdownTable(
    ['Check', 'Worst case', 'Limit', 'Used', 'Where'],
    worstFigures(figures).map((f) => [
      rowOf(f) === f.check ? f.check : `${rowOf(f)} (${f.check.replace(/ name$/, '')})`,
      number(f.value),
      number(f.limit),
      `${Math.round(100 * share(f))} %`,
      `${readableSubject(f.subject)} (${f.configuration})`,
    ]),
  );
}

/** "riskloop-longeststage-service PrivacyApiPolicyF53F72E8" -> "service PrivacyApiPolicy". */
const readableSubject = (subject: string) =>
  subject.replace(`riskloop-${worstCaseStage}-`, '').replace(/[0-9A-F]{8}$/, '');

/** Per stack: its resources, template size, parameters and outputs, each at its largest over the configurations. */
export function stacksTable(figures: readonly MeasuredFigure[]): string {
  const checks = [
    'Resources per stack',
    'Template size (bytes)',
    'Parameters per stack',
    'Outputs per stack',
  ];
  const stacks = [...new Set(figures.filter((f) => f.check === checks[0]).map((f) => f.subject))].sort();
  const cell = (stack: string, check: string) => {
    const worst = worstFigures(figures.filter((f) => f.subject === stack && f.check === check))[0];
    return worst ? `${worst.value.toLocaleString('en-US')} (${Math.round(100 * share(worst))} %)` : '-';
  };
  return markdownTable(
    ['Stack', 'Resources (of 500)', 'Template bytes (of 1 MiB)', 'Parameters (of 200)', 'Outputs (of 200)'],
    stacks.map((stack) => [stack.replace(worstCaseStage, '<stage>'), ...checks.map((c) => cell(stack, c))]),
  );
}

export const limitsMarkers = { begin: '<!-- limits:begin -->', end: '<!-- limits:end -->' };

/** Both tables, as docs/deploy.md shows them. */
export function limitsSection(figures: readonly MeasuredFigure[]): string {
  return `${limitsTable(figures)}\n\nPer stack, the largest configuration:\n\n${stacksTable(figures)}`;
}

/** `document` with the text between the limits markers replaced by `table`. */
export function withLimitsTable(document: string, table: string): string {
  const start = document.indexOf(limitsMarkers.begin);
  const end = document.indexOf(limitsMarkers.end);
  if (start < 0 || end < start) throw new Error('docs/deploy.md has no limits markers');
  return `${document.slice(0, start + limitsMarkers.begin.length)}\n\n${table}\n\n${document.slice(end)}`;
}

export { headroom };
