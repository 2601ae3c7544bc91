import { useEffect, useMemo, useRef } from 'react';
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

/**
 * Shows an ECharts option exactly as built by shared/charts (the same option export renders),
 * so the screen and the exported figure agree. Canvas, not SVG: zrender's SVG text uses style
 * attributes, which the strict CSP (no inline styles) would drop.
 */
export function EChart({ option, label, width, height }: { option: EChartsOption | null; label: string; width: number; height: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const instance = echarts.init(el, undefined, { renderer: 'canvas', width, height });
    chart.current = instance;
    return () => {
      instance.dispose();
      chart.current = null;
    };
    // Created once (width/height read at creation); size changes go through resize below.
  }, []);

  useEffect(() => {
    chart.current?.resize({ width, height });
  }, [width, height]);

  useEffect(() => {
    if (chart.current && option) chart.current.setOption(option, { notMerge: true });
    if (chart.current && !option) chart.current.clear();
  }, [option]);

  // The smallest text of the option, in CSS px (the box is drawn 1:1): what the ≥ 11 px rule of
  // issue 16 is checked on in the e2e suite, since a canvas has no text nodes to measure.
  const minFont = useMemo(() => (option ? smallestFontSize(option) : null), [option]);
  return <div ref={ref} role="img" aria-label={label} className="chart-box" style={{ width, height }} data-min-font-px={minFont ?? undefined} />;
}

function smallestFontSize(node: unknown): number | null {
  let min: number | null = null;
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object')
      for (const [k, v] of Object.entries(n)) {
        if (k === 'fontSize' && typeof v === 'number') min = min === null ? v : Math.min(min, v);
        else walk(v);
      }
  };
  walk(node);
  return min;
}
