/**
 * The dashboard's HTML shell: no data and no inline script or style, so the page can be public and
 * its Content-Security-Policy strict. Asset paths are relative: on AWS the page sits under the
 * stage prefix (/prod/dashboard), locally at /dashboard. Written as joined lines rather than one
 * template literal so the minified function bundle stays free of long runs of markup lines.
 */
import { pageHead } from './head.js';

const chartSection = (id: string, title: string) =>
  [
    `<section class="chart" id="${id}" aria-labelledby="${id}-heading" data-state="loading">`,
    `<h2 id="${id}-heading">${title}</h2>`,
    `<p class="description" id="${id}-description"></p>`,
    '<div class="plot"></div>',
    `<details><summary>Data table: ${title}</summary><div class="table"></div></details>`,
    '</section>',
  ].join('');

export function dashboardPage(version: string): string {
  return [
    ...pageHead('riskloop dashboard', 'dashboard', 'dashboard.js', version),
    '<body data-state="loading">',
    '<header class="top">',
    '<h1>riskloop</h1>',
    '<p>Risk segments, audit outcomes and customer feedback</p>',
    '<div id="session" hidden><span id="as-of"></span><button type="button" id="sign-out">Forget key</button></div>',
    '</header>',
    '<main>',
    '<noscript><p>The dashboard needs JavaScript.</p></noscript>',
    '<form id="key-form" class="key-form" hidden>',
    '<h2>Open the dashboard</h2>',
    '<p>Enter an API key with the analyst, compliance or admin role. It stays in this browser tab ' +
      '(session storage) and is sent only in the Authorization header.</p>',
    '<label for="api-key">API key</label>',
    // No name attribute: the key can never be submitted as a form field (or end up in a URL).
    '<input id="api-key" type="password" autocomplete="off" spellcheck="false" required>',
    '<button type="submit">Show dashboard</button>',
    '</form>',
    '<p id="status" role="status" aria-live="polite"></p>',
    '<div id="dashboard" hidden>',
    '<section aria-labelledby="kpi-heading">',
    '<h2 id="kpi-heading">Key figures</h2>',
    '<ul id="kpis" class="tiles"></ul>',
    '</section>',
    '<section aria-labelledby="jobs-heading">',
    '<h2 id="jobs-heading">Jobs queued or running</h2>',
    '<ul id="jobs" class="jobs" data-state="loading"></ul>',
    '</section>',
    '<div class="charts">',
    chartSection('trend', 'Segment distribution over time'),
    chartSection('nps', 'NPS by segment'),
    chartSection('capture', 'Capture curve of audit issues'),
    chartSection('reasons', 'Reason codes'),
    '</div>',
    '</div>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
