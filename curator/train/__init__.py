"""Training and prediction: datasets, backbones, the loop, evaluation, figures, `predict`.

Importing this package is cheap; torch and cv2 load only inside the modules that need them.
"""
