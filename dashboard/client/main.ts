/**
 * The dashboard page's script. The page itself holds no data: it asks for an API key, keeps it in
 * sessionStorage only (gone when the tab closes, never in the URL), and reads the insights API with
 * it, so the data stays behind the same authentication as every other API call.
 */
import type { CaptureCurve, FeedbackStats, InsightsSummary } from '../../shared/domain/insights/schemas.js';
import {
  type Chart,
  captureCurveChart,
  kpiTiles,
  npsChart,
  reasonCodesChart,
  segmentTrendChart,
} from './charts.js';
import { byId, el } from './dom.js';

const keyStorage = 'riskloop.apiKey';

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Relative paths: on AWS the API lives under a stage prefix (/prod/v1/...), locally at the root. */
async function getJson<T>(path: string, key: string): Promise<T> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

function setStatus(text: string, kind: 'info' | 'error' = 'info') {
  const status = byId('status');
  status.textContent = text;
  status.dataset.kind = kind;
}

function showSignIn(message?: string) {
  byId('dashboard').hidden = true;
  byId('session').hidden = true;
  byId('key-form').hidden = false;
  if (message) setStatus(message, 'error');
  byId<HTMLInputElement>('api-key').focus();
}

function renderChart(id: string, chart: Chart) {
  const section = byId(id);
  const plot = section.querySelector('.plot');
  const description = section.querySelector<HTMLElement>('.description');
  const table = section.querySelector('.table');
  if (!plot || !description || !table) throw new Error(`#${id} is incomplete`);
  description.textContent = chart.description;
  // An empty state says it once, in the box where the chart would be.
  description.hidden = chart.svg === null;
  plot.replaceChildren(chart.svg ?? el('p', { className: 'empty', textContent: chart.description }));
  chart.svg?.setAttribute('aria-describedby', description.id);
  section.dataset.state = chart.svg ? 'ready' : 'empty';
  table.replaceChildren(chart.table);
}

/** What the dashboard shows of a job (GET /v1/jobs). */
interface ActiveJob {
  jobId: string;
  kind: string;
  status: string;
  createdAt: string;
  progress: { phase: string; done: number; total?: number };
}

/** Long work in progress (training, simulations, cluster reports), newest first. */
function renderJobs(jobs: ActiveJob[]) {
  const list = byId('jobs');
  list.replaceChildren(
    ...(jobs.length === 0
      ? [el('li', { className: 'empty', textContent: 'No job is queued or running.' })]
      : jobs.map((j) => {
          const { phase, done, total } = j.progress;
          const count = total === undefined ? `${done}` : `${done} of ${total}`;
          return el('li', {
            className: 'job',
            textContent: `${j.kind}: ${j.status}, ${phase} ${count} (started ${j.createdAt.slice(0, 16).replace('T', ' ')} UTC)`,
          });
        })),
  );
  list.dataset.state = 'ready';
}

async function load(key: string) {
  setStatus('Loading…');
  const [summary, curve, feedback, jobs] = await Promise.all([
    getJson<InsightsSummary>('v1/insights/summary?months=12', key),
    getJson<CaptureCurve>('v1/insights/capture-curve', key),
    getJson<FeedbackStats>('v1/insights/feedback?months=12', key),
    getJson<{ jobs: ActiveJob[] }>('v1/jobs?limit=20', key),
  ]);
  byId('key-form').hidden = true;
  byId('session').hidden = false;
  byId('dashboard').hidden = false;
  byId('as-of').textContent =
    `Data as of ${new Date(summary.asOf).toLocaleString('en-GB', { timeZone: 'UTC' })} UTC`;
  byId('kpis').replaceChildren(
    ...kpiTiles(summary).map((t) =>
      el('li', { className: 'tile' }, [
        el('span', { className: 'tile-label', textContent: t.label }),
        el('span', { className: 'tile-value', textContent: t.value }),
        el('span', { className: 'tile-note', textContent: t.note }),
      ]),
    ),
  );
  renderJobs(jobs.jobs);
  renderChart('trend', segmentTrendChart(summary));
  renderChart('nps', npsChart(summary, feedback));
  renderChart('capture', captureCurveChart(summary, curve));
  renderChart('reasons', reasonCodesChart(summary));
  document.body.dataset.state = 'ready';
  setStatus('');
}

async function start(key: string) {
  try {
    await load(key);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      sessionStorage.removeItem(keyStorage);
      showSignIn(
        error.status === 401
          ? 'That key was not accepted.'
          : 'That key’s role cannot read insights (analyst, compliance or admin needed).',
      );
      return;
    }
    setStatus(`Could not load the dashboard: ${(error as Error).message}`, 'error');
  }
}

function main() {
  const form = byId<HTMLFormElement>('key-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('api-key');
    const key = input.value.trim();
    input.value = '';
    if (!key) return;
    sessionStorage.setItem(keyStorage, key);
    void start(key);
  });
  byId('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(keyStorage);
    setStatus('Key forgotten.');
    showSignIn();
  });
  const key = sessionStorage.getItem(keyStorage);
  if (key) void start(key);
  else showSignIn();
}

main();
