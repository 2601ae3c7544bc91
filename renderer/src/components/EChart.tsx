import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

/**
 * Shows an ECharts option exactly as built by shared/charts (the same option export renders),
 * so the screen and the exported figure agree. Canvas, not SVG: zrender's SVG text uses style
 * attributes, which the strict CSP (no inline styles) would drop.
 */
export function EChart({ option, label, height = 430, width }: { option: EChartsOption | null; label: string; height?: number; width?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const instance = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const ro = new ResizeObserver(() => instance.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (chart.current && option) chart.current.setOption(option, { notMerge: true });
    if (chart.current && !option) chart.current.clear();
  }, [option]);

  return <div ref={ref} role="img" aria-label={label} className="chart-box" style={{ height, width: width ?? '100%' }} />;
}
