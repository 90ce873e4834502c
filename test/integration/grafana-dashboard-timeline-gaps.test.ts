/** The Grafana dashboard's timeline charts: a gap where no monitor sampled, not a joining line. */
import { allPanels, loadDashboard } from '../support/grafana-dashboard';

describe('Grafana dashboard and provisioning (grafana/)', () => {
  it('draws a gap in the timeline charts where no monitor sampled', () => {
    // Grafana joins consecutive points however far apart unless a field sets insertNulls: the
    // largest spacing still drawn as a line. A sampler takeover leaves up to 40 s (4 intervals of
    // the default 10 s) without a sample; longer than that is a real gap.
    const defaultIntervalMs = 10_000;
    const timeline = allPanels(loadDashboard()).filter((p) =>
      p.targets?.some((t) => (t.keyName ?? t.query ?? '').includes(':timeline')),
    );
    expect(timeline.map((p) => p.title)).toEqual(['SAU and sessions', 'DAU, WAU, MAU']);
    for (const panel of timeline) {
      const custom = panel.fieldConfig?.defaults?.custom ?? {};
      expect({ panel: panel.title, spanNulls: custom.spanNulls }).toEqual({
        panel: panel.title,
        spanNulls: false,
      });
      expect(custom.insertNulls).toBeGreaterThan(4 * defaultIntervalMs);
      expect(custom.insertNulls).toBeLessThanOrEqual(10 * defaultIntervalMs);
      expect(panel.description).toMatch(/gap/i);
    }
  });
});
