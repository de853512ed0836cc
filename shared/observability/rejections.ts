import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One log line per this many milliseconds and container at most, carrying the count since the last. */
const logEveryMs = 60_000;

/**
 * Counts requests refused before anyone was authenticated (bad webhook signatures): a CloudWatch metric
 * per refusal (`riskloop/WebhookRejected`, by provider and reason, in embedded metric format) and a
 * sampled log line. Never the audit trail: anyone on the internet could grow it.
 */
export class RejectionCounter {
  private readonly metrics = new Metrics({ namespace: 'riskloop', serviceName: 'riskloop' });
  private unlogged = 0;
  private lastLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  rejected(provider: string, reasonCode: string, bytes: number): void {
    // Provider and reason are both from closed lists (the provider was resolved before verification).
    const metric = this.metrics.singleMetric();
    metric.addDimension('provider', provider);
    metric.addDimension('reason', reasonCode);
    metric.addMetric('WebhookRejected', MetricUnit.Count, 1);
    this.unlogged += 1;
    if (this.clock() - this.lastLogAt >= logEveryMs) {
      this.logger.warn('webhook deliveries rejected', { provider, reasonCode, bytes, count: this.unlogged });
      this.unlogged = 0;
      this.lastLogAt = this.clock();
    }
  }
}
