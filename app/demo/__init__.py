"""Synthetic demo data for the Hebei county scheme — clearly labelled, never official statistics.

`dataset.generate` makes plausible element values and registry items (platforms and awards) for a
list of county-level regions and data years, so the service, the front end and the benchmarks have
something to show and to load. Every figure is invented: `dataset.DEMO_LABEL` says so, every item
name ends with （演示） ("demo", `items.DEMO_MARK`), and `regions.synthetic_regions` makes fake regions
whose codes are not GB/T 2260 codes. Writing the dataset into a database is app/services/demo.py's job.

The model, per region, one module per part:

- `regions`: which regions (the reference divisions, or fake ones for benchmarks) and their names;
- `strength`: a persistent *strength* in [0, 1]. Strengths are spread evenly over the regions asked
  for (each region draws from its own slice of [0, 1], districts tending to the top), so any set of
  a dozen or more regions spans the tiers A, B and C and rankings stay fairly stable from year to year;
- `values`: base values for the first data year 2019 that rise with strength (amounts in 万元,
  counts, a resident population of 150,000-1,200,000, percentages), each with its own year-on-year
  growth and a little yearly noise;
- `items`: platforms recognised over 2005-2024 (more and more often in later years; a few revoked)
  and awards in each data year, with types and levels read from the scheme;
- `dataset`: `generate`, which draws all of the above in a fixed order, and the dataset it returns;
- `pick`: the weighted choice the others draw with.

Determinism: everything comes from `random.Random` instances seeded from `seed` (never the global
generator) and is drawn in a fixed order (regions sorted by code, element and type lists in scheme
order), so the same arguments give an equal dataset. Values of a region-year and items up to that
year do not depend on which other years were asked for (for data years up to 2024); they do depend on
the set of regions, through the spread of strengths.

Standard library only, plus `app.domain`.
"""
