"""Ways to run paywall-cut inside other tools.

- :mod:`.datatrove`: a pipeline step for datatrove, the corpus-building library
  (``pip install 'paywall-cut[datatrove]'``).

Each integration is imported on its own, so that the package never needs the tools it
does not use.
"""
