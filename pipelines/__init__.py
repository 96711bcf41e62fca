"""Everything that makes images.

Modules here take images, keypoints and parameters and return images; they know nothing of
the database, users or credits. Light modules (``keypoints``, ``skeleton``) import only
numpy and Pillow, so the UI and the pose library can use them without loading torch.
"""
