"""Video and faces: probing, decoding, detection, tracking, alignment, cutting."""
