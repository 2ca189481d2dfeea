"""`make deploy TO=...`: ship the public build (public/, made by `make publish`) to readers.

Targets (`TO`, default DEPLOY_TO in publishconf.py):
  gh-pages:<git remote URL or path>[#branch]   GitHub Pages or any git host (ghp-import)
  <remote>:<bucket/path>                       anything rclone reaches (S3, R2, B2, GCS, SFTP...)
  <local directory>                            a web server's document root, a mounted share
"""

from servicebook.deploy.targets import DeployError, DeployResult, Target, parse_target

__all__ = ["DeployError", "DeployResult", "Target", "parse_target"]
