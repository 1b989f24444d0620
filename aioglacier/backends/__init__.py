"""Storage backends behind one seam (:mod:`.base`): the Glacier vault API (:mod:`.glacier`),
S3 (:mod:`.s3`), and an in-memory store for fast tests (:mod:`.fake`)."""
