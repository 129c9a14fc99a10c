import { type Dag, dag, type TaskRef } from 'airstep';

/**
 * A dbt-like project rendered as tasks: layers of models (sources, staging, intermediate, marts), each model
 * reading one to three models of the layer or two above it. Generated from a fixed seed, so the same count gives
 * the same graph (golden-testable). The models do next to nothing: the graph's size is the point.
 */
export function dbtLikeDag(id: string, models: number): Dag {
  const d = dag({
    id,
    schedule: '@daily',
    startDate: '2026-11-01',
    tags: ['example', 'big'],
    description: `a dbt-like project of ${models} models`,
  });
  const layers = [
    { name: 'src', share: 0.15 },
    { name: 'stg', share: 0.3 },
    { name: 'int', share: 0.35 },
    { name: 'mart', share: 0.2 },
  ];
  let seed = 20261122;
  // A small linear congruential generator: deterministic everywhere, no dependency.
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const built: TaskRef[][] = [];
  let made = 0;
  layers.forEach((layer, depth) => {
    const count = depth === layers.length - 1 ? models - made : Math.round(models * layer.share);
    const refs: TaskRef[] = [];
    for (let i = 0; i < count; i++) {
      const model = d.task(`${layer.name}_${String(i).padStart(4, '0')}`, async () => null);
      if (depth > 0) {
        const reads = 1 + Math.floor(next() * 3);
        for (let r = 0; r < reads; r++) {
          const from = built[Math.max(0, depth - 1 - (next() < 0.25 ? 1 : 0))]!;
          model.after(from[Math.floor(next() * from.length)]!);
        }
      }
      refs.push(model);
    }
    built.push(refs);
    made += count;
  });
  return d;
}
