"""Inputs that are not local files: objects of an S3-compatible store (``s3://bucket/prefix``)."""
