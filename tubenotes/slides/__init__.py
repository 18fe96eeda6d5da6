"""The slides a lecture video shows: keyframes, slide detection, a picture and the text of each slide.

`frames` decodes keyframes with PyAV, `detect` tells slides apart by the share
of blocks that changed, `ocr` reads their text with RapidOCR, `pictures`
encodes them, `extract` runs one video with checkpoints, and `fetcher` puts
it all in the pipeline as the ``slides`` stage.
"""
