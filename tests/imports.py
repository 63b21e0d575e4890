"""The import page queues a job and answers at once; these helpers then run the job here, in
the test's process, exactly as the worker's task does (`import_jobs.run`), and open its page.
The worker itself is tested in tests/test_import_jobs.py."""

from django.http import HttpResponse
from django.test import Client
from django.urls import resolve, reverse

from disputes import import_jobs

URL = reverse("disputes:import_orders")


def queued_job_url(response: HttpResponse) -> str:
    """Where the page sent the browser: a redirect, or htmx's HX-Redirect."""
    if response.status_code == 302:
        return response["Location"]
    assert response.status_code == 200 and "HX-Redirect" in response.headers, response
    return response.headers["HX-Redirect"]


def post_import(client: Client, data: dict, **extra) -> HttpResponse:
    """Upload through the page; when the form took the file, run its job and return the job's
    page (else the form's answer, as the page gave it)."""
    response = client.post(URL, data, **extra)
    if response.status_code == 200 and "HX-Redirect" not in response.headers:
        return response
    url = queued_job_url(response)
    import_jobs.run(resolve(url).kwargs["job_id"])
    return client.get(url)
