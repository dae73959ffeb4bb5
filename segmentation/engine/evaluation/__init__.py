"""The four-axis evaluation of a segmentation model (spec ease-and-evaluation.md, part B): plain
numpy/scipy/scikit-learn/statsmodels/torch statistics, no Django.

- :mod:`.performance`: axis 1, per-patient and per-region overlap and HD95 inside the brain,
  per-stratum means with bootstrap intervals (B5, R-B1–R-B3).
- :mod:`.calibration`: axis 2, NLL, Brier, ECE, MCE, reliability diagrams, temperature and Platt
  scaling (B4, R-B5).
- :mod:`.conformal`: axis 2, conformalized quantile regression intervals on region volumes and
  their coverage (B6, R-B6).
- :mod:`.robustness`: axis 3, the FGSM ε sweep (B7, R-B7).
- :mod:`.data_quality`: axis 4, Spearman correlation of MRQy features with performance under
  Benjamini–Hochberg, PCA of the features by site (B8, R-B8). The features themselves are
  :mod:`imaging.quality`.
"""
