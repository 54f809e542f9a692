"""Running the platform: health endpoints, structured logs with request ids, the read-replica
router, deploy checks, periodic jobs, the job status page and backups."""
