import { codeSpan, escapeMarkdown, formatNumber } from '../markdown.js';
import { createEnvironment } from './cel-environment.js';
import { compareCodeUnits, type DiffFormat, diffModels, summariseDiff } from './diff.js';
import { describeRule, joinWords, Translator } from './document-text.js';
import {
  type MissingPolicy,
  type ModelSegment,
  type ModelVariable,
  type RiskModel,
  scaleText,
} from './model.js';

export { codeSpan, escapeMarkdown, formatNumber } from '../markdown.js';

export interface ModelDocumentOptions {
  /** The version this one replaces: adds a "Changes since version N" section. */
  previous?: RiskModel;
  /** Who approved (published) this version. */
  approvedBy?: string;
  /** When it was published (ISO 8601), as recorded by the lifecycle. */
  publishedAt?: string;
}

// ---------------------------------------------------------------------------------------------
// Markdown primitives

const MARKDOWN_DIFF_FORMAT: DiffFormat = {
  name: (t) => codeSpan(t),
  expr: (t) => codeSpan(t),
  text: (t) => `"${escapeMarkdown(t)}"`,
};

// ---------------------------------------------------------------------------------------------
// The document

function missingText(m: MissingPolicy): string {
  return m.policy === 'default'
    ? `use ${codeSpan(JSON.stringify(m.value), true)}`
    : 'skip the rules that use it';
}

function bandText(s: ModelSegment): string {
  return s.maxScore === null
    ? `${formatNumber(s.minScore)} or more`
    : `${formatNumber(s.minScore)} to below ${formatNumber(s.maxScore)}`;
}

function months(n: number): string {
  return n === 1 ? 'every month' : `every ${formatNumber(n)} months`;
}

/** Renders the auditors' Markdown document of `model` (same arguments → same bytes). */
export function renderModelDocument(model: RiskModel, options: ModelDocumentOptions = {}): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  const variables = new Map<string, ModelVariable>();
  for (const v of model.variables) if (!variables.has(v.name)) variables.set(v.name, v);
  const listNames = Object.keys(model.lists).sort(compareCodeUnits);
  const translator = new Translator(variables, new Set(listNames));
  const parser = createEnvironment();

  line(
    `# Risk model ${codeSpan(model.modelId)}, version ${formatNumber(model.version)} (${escapeMarkdown(model.status)})`,
  );
  line();
  line(
    'This document describes one version of a customer risk model: the data it uses, its rules in plain ' +
      'language, the score bands that decide the segment, and the reference lists it relies on. It is ' +
      'generated from the model document and stored with the version.',
  );

  line();
  line('## Metadata');
  line();
  const changeNote = model.metadata.changeNote.trim();
  const publishedAt =
    options.publishedAt ?? (model.status === 'draft' ? 'not published (draft)' : 'not recorded');
  line(`- **Model:** ${codeSpan(model.modelId)}`);
  line(`- **Version:** ${formatNumber(model.version)}`);
  line(`- **Status:** ${escapeMarkdown(model.status)}`);
  line(`- **Author:** ${escapeMarkdown(model.metadata.author)}`);
  line(`- **Change note:** ${changeNote === '' ? 'none' : escapeMarkdown(changeNote)}`);
  line(`- **Created:** ${escapeMarkdown(model.metadata.createdAt)}`);
  line(
    `- **Approved by:** ${options.approvedBy === undefined ? 'not recorded' : escapeMarkdown(options.approvedBy)}`,
  );
  line(`- **Published at:** ${escapeMarkdown(publishedAt)}`);

  line();
  line('## How the segment is decided');
  line();
  line(
    "A customer's score is the sum of the points of the rules that fire. The segment is the score band " +
      'the score falls in. A rule with an override places the customer in at least its override segment ' +
      'when it fires, whatever the score; it never lowers the segment.',
  );

  line();
  line('## Variables');
  line();
  line(
    'The inputs the rules may use, where each is read from, and what happens when a value is missing. ' +
      'Protected variables are declared for documentation only: no rule may use them, nor any ' +
      'predictive model. The scale says how a predictive model encodes the variable.',
  );
  line();
  line('| Variable | Type | Scale | Source | When missing | Protected | Description |');
  line('| --- | --- | --- | --- | --- | --- | --- |');
  for (const v of model.variables) {
    line(
      `| ${codeSpan(v.name, true)} | ${escapeMarkdown(v.type)} | ${escapeMarkdown(scaleText(v))} | ${escapeMarkdown(v.source.kind)}: ${codeSpan(v.source.path, true)} | ${missingText(v.missing)} | ${v.protected === true ? 'yes' : 'no'} | ${escapeMarkdown(v.description)} |`,
    );
  }

  line();
  line('## Rules');
  line();
  line(
    `${formatNumber(model.rules.length)} rule${model.rules.length === 1 ? '' : 's'}, in evaluation order.`,
  );
  model.rules.forEach((rule, i) => {
    const { sentence, skipVariables } = describeRule(rule, parser, translator, variables);
    line();
    line(`### ${i + 1}. ${codeSpan(rule.id)}`);
    line();
    line(sentence);
    line();
    line(`- **Points:** ${rule.points >= 0 ? '+' : ''}${formatNumber(rule.points)}`);
    line(`- **Reason code:** ${codeSpan(rule.reasonCode)}`);
    line(`- **Description:** ${escapeMarkdown(rule.description)}`);
    if (rule.overrideSegment !== undefined) {
      line(
        `- **Override:** when it fires, the segment is at least ${codeSpan(rule.overrideSegment)}, whatever the score.`,
      );
    }
    if (skipVariables.length > 0) {
      line(
        `- **Missing data:** the rule does not fire when ${joinWords(
          skipVariables.map((n) => codeSpan(n)),
          'or',
        )} is missing.`,
      );
    }
    line(`- **CEL expression:** ${codeSpan(rule.when)}`);
  });

  line();
  line('## Score bands');
  line();
  line('From least to most severe. Lower bounds are inclusive, upper bounds exclusive.');
  line();
  line('| Segment | Score | Policy | Review |');
  line('| --- | --- | --- | --- |');
  for (const s of model.segments) {
    line(
      `| ${escapeMarkdown(s.name)} | ${bandText(s)} | ${codeSpan(s.policyRef, true)} | ${months(s.reviewIntervalMonths)} |`,
    );
  }

  line();
  line('## Reference lists');
  if (listNames.length === 0) {
    line();
    line('None.');
  }
  for (const name of listNames) {
    const list = model.lists[name];
    if (list === undefined) continue;
    const values = [...new Set(list.values)].sort(compareCodeUnits);
    line();
    line(`### ${codeSpan(name)}`);
    line();
    line(`- **Source:** ${escapeMarkdown(list.source)}`);
    line(`- **As of:** ${escapeMarkdown(list.asOf)}`);
    line(
      `- **Values (${formatNumber(values.length)}, sorted):** ${values.length === 0 ? 'none' : values.map((v) => codeSpan(v)).join(', ')}`,
    );
  }

  const previous = options.previous;
  if (previous !== undefined) {
    const diff = diffModels(previous, model);
    const of = previous.modelId === model.modelId ? '' : ` of ${codeSpan(previous.modelId)}`;
    line();
    line(`## Changes since version ${formatNumber(previous.version)}${of}`);
    line();
    line(`- **Why (change note):** ${changeNote === '' ? 'none given' : escapeMarkdown(changeNote)}`);
    line(
      `- **Approved by:** ${options.approvedBy === undefined ? 'not recorded' : escapeMarkdown(options.approvedBy)}`,
    );
    line();
    const changes = summariseDiff(diff, MARKDOWN_DIFF_FORMAT);
    if (!diff.contentChanged) changes.push('No change to variables, rules, score bands or lists.');
    for (const c of changes) line(`- ${c}`);
  }

  return `${out.join('\n')}\n`;
}
