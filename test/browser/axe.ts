import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** axe-core's browser script, evaluated in the page (through the debugging protocol, so the CSP holds). */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * The page's serious and critical accessibility violations by axe-core (WCAG 2.x A and AA rules),
 * as `rule: help (n elements)` lines; an empty list when there are none. `@axe-core/playwright` needs
 * Node 22, so the script is evaluated by hand.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const rules = JSON.stringify({
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  });
  const violations = (await page.evaluate(
    `axe.run(document, ${rules}).then((r) => r.violations)`,
  )) as Violation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.id}: ${v.help} (${v.nodes.length} elements, e.g. ${JSON.stringify(v.nodes[0]?.target)})`,
    );
}
