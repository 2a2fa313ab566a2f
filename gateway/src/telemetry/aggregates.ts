// Counters and histograms fed by the request path, aggregated in plain Maps and handed to the
// Prometheus exporter as a MetricProducer at scrape time. The SDK's own instruments hash their
// attribute object on every add/record (~0.7 µs); a cache hit records four of them, which was a
// large share of telemetry's cost on the hottest path. Here a record is a Map lookup by a key the
// caller builds from bounded label values, and the attribute object is built once per series.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';

const SCOPE = { name: 'community-rpc-gateway/aggregates' };

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

interface Family {
  collect(now: HrTime): MetricData | undefined;
}

export class CounterFamily implements Family {
  private readonly series = new Map<string, { attributes: Attributes; value: number; start: HrTime }>();

  constructor(
    private readonly name: string,
    private readonly description: string,
  ) {}

  /** `key` must identify the label values; `attributes` is called only the first time a key is seen. */
  add(key: string, attributes: () => Attributes, n = 1): void {
    const s = this.series.get(key);
    if (s) s.value += n;
    else this.series.set(key, { attributes: attributes(), value: n, start: hrTime(Date.now()) });
  }

  collect(now: HrTime): MetricData | undefined {
    if (this.series.size === 0) return undefined; // a family appears with its first event, as SDK counters do
    return {
      descriptor: { name: this.name, description: this.description, unit: '', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [...this.series.values()].map((s) => ({ attributes: s.attributes, startTime: s.start, endTime: now, value: s.value })),
    };
  }
}

interface HistogramSeries {
  attributes: Attributes;
  counts: number[]; // one per boundary, plus +Inf
  sum: number;
  count: number;
  min: number;
  max: number;
  start: HrTime;
}

export class HistogramFamily implements Family {
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    private readonly name: string,
    private readonly description: string,
    private readonly unit: string,
    private readonly boundaries: readonly number[],
  ) {}

  /** Non-finite or negative values are skipped: one NaN would poison the sum for the life of the process. */
  record(key: string, attributes: () => Attributes, value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    let s = this.series.get(key);
    if (!s) {
      s = { attributes: attributes(), counts: new Array<number>(this.boundaries.length + 1).fill(0), sum: 0, count: 0, min: value, max: value, start: hrTime(Date.now()) };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.boundaries.length && value > this.boundaries[i]!) i++; // le semantics: value <= boundary
    s.counts[i]!++;
    s.sum += value;
    s.count++;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
  }

  collect(now: HrTime): MetricData | undefined {
    if (this.series.size === 0) return undefined;
    return {
      descriptor: { name: this.name, description: this.description, unit: this.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [...this.series.values()].map((s) => ({
        attributes: s.attributes,
        startTime: s.start,
        endTime: now,
        value: { buckets: { boundaries: [...this.boundaries], counts: [...s.counts] }, sum: s.sum, count: s.count, min: s.min, max: s.max },
      })),
    };
  }
}

export class Aggregates implements MetricProducer {
  private readonly families: Family[] = [];

  counter(name: string, description: string): CounterFamily {
    const f = new CounterFamily(name, description);
    this.families.push(f);
    return f;
  }

  histogram(name: string, description: string, unit: string, boundaries: readonly number[]): HistogramFamily {
    const f = new HistogramFamily(name, description, unit, boundaries);
    this.families.push(f);
    return f;
  }

  async collect(): Promise<CollectionResult> {
    const now = hrTime(Date.now());
    const metrics = this.families.map((f) => f.collect(now)).filter((m): m is MetricData => m !== undefined);
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: SCOPE, metrics }] }, errors: [] };
  }
}
