"""Client-side counter arithmetic: resets, windows, and histogram_quantile as Prometheus does it."""

import math

import pytest

from irtui.metrics.rates import CounterTrack, histogram_quantile, increase, prometheus_rate, rate


def test_increase_counts_growth_across_a_counter_reset():
    # 100 -> 160 (+60), restart: 160 -> 20 (+20 since the reset), 20 -> 50 (+30)
    samples = [(0, 100.0), (10, 160.0), (20, 20.0), (30, 50.0)]
    assert increase(samples) == 110.0
    assert rate(samples) == pytest.approx(110.0 / 30)


def test_rate_needs_two_samples_and_a_positive_span():
    assert rate([]) is None
    assert rate([(5, 1.0)]) is None
    assert rate([(5, 1.0), (5, 2.0)]) is None


def test_prometheus_rate_extrapolates_like_prometheus():
    # A series covering the whole window, scraped every 10 s: extrapolated to both edges.
    full = [(t, 1000.0 + 2.0 * t) for t in range(5, 61, 10)]  # 5..55 within [0, 60]
    assert prometheus_rate(full, 0, 60) == pytest.approx(2.0)
    # A series seen for 10 s of a 60 s window: +200, extended by half an interval at the
    # start (50 s away, beyond 1.1 intervals) and not at all at the end, divided by 60.
    young = [(50, 1000.0), (60, 1200.0)]
    assert prometheus_rate(young, 0, 60) == pytest.approx(200 * 15 / 10 / 60)
    # A brand-new counter (first value 10, +20): extrapolation stops where it would be zero.
    new = [(50, 10.0), (60, 30.0)]
    assert prometheus_rate(new, 0, 60) == pytest.approx(20 * (10 + 5) / 10 / 60)
    assert prometheus_rate([(60, 1.0)], 0, 60) is None


def test_counter_track_selects_the_window_like_a_range_vector():
    track = CounterTrack(keep=60)
    for t in range(0, 200, 10):
        track.add(t, t * 2.0)
    # [130, 190]: samples at 130..190, growth 2/s
    assert [t for t, _ in track.window(190, 60)] == [130, 140, 150, 160, 170, 180, 190]
    assert track.rate(190, 60) == pytest.approx(2.0)
    # old samples are dropped, one beyond the window is kept
    assert track.samples[0][0] <= 130
    track.add(190, 999.0)  # the same timestamp again is ignored
    assert track.samples[-1] == (190, 380.0)


def test_histogram_quantile_interpolates_inside_the_bucket():
    # 100 observations: 50 <= 0.1s, 90 <= 0.5s, 100 <= 1s.
    buckets = [(0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (math.inf, 100.0)]
    # rank 95 lies in (0.5, 1.0]: 0.5 + 0.5 * (95 - 90) / 10
    assert histogram_quantile(0.95, buckets) == pytest.approx(0.75)
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.1)
    # rank in the first bucket starts from 0
    assert histogram_quantile(0.25, buckets) == pytest.approx(0.05)


def test_histogram_quantile_edge_cases_match_prometheus():
    assert histogram_quantile(0.95, []) is None
    assert histogram_quantile(0.95, [(0.1, 0.0), (math.inf, 0.0)]) is None  # no observations: NaN
    assert histogram_quantile(0.95, [(0.1, 5.0), (1.0, 6.0)]) is None  # no +Inf bucket: NaN
    # rank in the +Inf bucket: the highest finite bound
    assert histogram_quantile(0.99, [(0.1, 1.0), (1.0, 2.0), (math.inf, 100.0)]) == 1.0
    # non-monotonic counts (separately computed rates) are repaired, not trusted
    assert histogram_quantile(0.5, [(0.1, 10.0), (0.5, 9.0), (math.inf, 10.0)]) == pytest.approx(0.05)


def test_metrics_config_errors_name_file_line_and_key(tmp_path):
    from irtui.config import Config, ConfigError
    from irtui.metrics.settings import DEFAULT_PROMQL, MetricsSettings

    path = tmp_path / "config.toml"
    path.write_text('[metrics]\nsource = "prometheus"\n\n[metrics.thresholds]\nerror_pct_warn = 10\n'
                    'error_pct_crit = 5\n')
    with pytest.raises(ConfigError) as err:
        MetricsSettings.from_config(Config.load(path))
    assert f"{path}:5: metrics.thresholds.error_pct_warn" in str(err.value)

    path.write_text('[metrics]\nsource = "graphite"\n')
    with pytest.raises(ConfigError) as err:
        MetricsSettings.from_config(Config.load(path))
    assert f"{path}:2: metrics.source" in str(err.value)

    path.write_text('[metrics]\ninterval = 5\n[metrics.promql]\np95 = "histogram_quantile(0.99, x)"\n'
                    '[metrics.scrape]\nurl = "http://h:9090/m/{service}"\n')
    settings = MetricsSettings.from_config(Config.load(path))
    assert settings.interval == 5.0 and settings.promql["p95"] == "histogram_quantile(0.99, x)"
    assert settings.promql["error_rate"] == DEFAULT_PROMQL["error_rate"]
    assert settings.scrape.url == "http://h:9090/m/{service}"
