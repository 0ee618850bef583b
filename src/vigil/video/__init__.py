"""Video: vPDQ frame hashes and matching videos by them (:mod:`vigil.video.matching`)."""
