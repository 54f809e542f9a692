"""The bottom floor of the platform: infrastructure every app may use and that uses no app —
background execution (in-process and Celery), the task queue, fault pause points, bulk writing,
database routing, the admin's base classes."""
