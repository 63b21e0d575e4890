"""Hostile files (tests/bad_inputs/files/) through the real ways evidence comes in: the upload
page and `./desk manage add_evidence`. Each is refused with a message saying what is wrong and
leaves nothing behind, or is kept and handled safely; never a server error."""

import re
import shutil

import pytest
from django.core.management import CommandError, call_command

from disputes.models import SetAside, SetAsideKind
from evidence.models import EvidenceEvent, EvidenceItem, PreviewProblem, Previews
from evidence.tasks import make_previews

from .evidence_corpus import BAD_INPUTS, BAD_INPUTS_DIR
from .test_evidence_upload import stored_files, upload

REFUSALS = {
    "pdf_script": "is a PDF that runs a script or an action by itself when it is opened",
    "pdf_launch": "is a PDF that tries to start another program (a Launch action)",
    "pdf_attachment": "is a PDF with other files embedded in it",
    "pdf_encrypted": "is an encrypted (password-protected) PDF",
    "unsupported": "is not a type the vault accepts",
}
REFUSED = sorted(name for name, (_upload, outcome) in BAD_INPUTS.items() if outcome != "accepted")
DECLARED = {"pdf": "application/pdf", "jpg": "image/jpeg"}


def test_the_corpus_is_complete():
    assert sorted(p.name for p in BAD_INPUTS_DIR.iterdir()) == sorted(BAD_INPUTS)


@pytest.mark.parametrize("corpus_file", REFUSED)
def test_a_hostile_upload_is_refused_saying_what_is_wrong_and_nothing_is_stored(
    agent_client, world, _private_evidence_storage, corpus_file
):
    upload_name, code = BAD_INPUTS[corpus_file]
    data = (BAD_INPUTS_DIR / corpus_file).read_bytes()
    response = upload(
        agent_client, world.order_a, data, upload_name, content_type=DECLARED[upload_name.rsplit(".", 1)[1]]
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert REFUSALS[code] in body and f"“{upload_name}”" in body
    assert "damaged" not in body
    assert not EvidenceItem.objects.exists() and not EvidenceEvent.objects.exists()
    assert stored_files(_private_evidence_storage) == []


@pytest.mark.parametrize("corpus_file", REFUSED)
def test_the_add_evidence_command_refuses_the_same_files(
    world, tmp_path, _private_evidence_storage, corpus_file
):
    upload_name, code = BAD_INPUTS[corpus_file]
    path = tmp_path / upload_name
    shutil.copy(BAD_INPUTS_DIR / corpus_file, path)
    with pytest.raises(
        CommandError, match=f"^Refused: .*“{re.escape(upload_name)}”.* {re.escape(REFUSALS[code])}"
    ):
        call_command("add_evidence", world.order_a.platform_order_id, str(path), "--kind", "other")
    assert not EvidenceItem.objects.exists()
    assert stored_files(_private_evidence_storage) == []


@pytest.mark.slow
def test_a_pdf_that_draws_itself_without_end_is_kept_and_ends_without_a_preview(
    agent_client, world, settings, _private_evidence_storage
):
    settings.EVIDENCE_PREVIEW_MEMORY_MB = 400
    upload_name, _outcome = BAD_INPUTS["recursive-drawing.pdf"]
    data = (BAD_INPUTS_DIR / "recursive-drawing.pdf").read_bytes()
    response = upload(agent_client, world.order_a, data, upload_name, content_type="application/pdf")
    assert response.status_code == 201
    item = EvidenceItem.objects.get()
    assert make_previews(item.pk) == Previews.FAILED
    item.refresh_from_db()
    assert item.preview_problem == PreviewProblem.CRASHED
    assert SetAside.objects.filter(kind=SetAsideKind.EVIDENCE_PREVIEW, subject_id=item.pk).exists()
    # Only the original is stored: no half-made preview.
    assert stored_files(_private_evidence_storage) == [
        _private_evidence_storage / "evidence" / item.storage_name
    ]


@pytest.mark.parametrize(
    ("corpus_file", "kept"), [("bidi-name.jpg", "invoicefdp.jpg"), ("zero-width-name.jpg", "receipt.jpg")]
)
def test_a_name_with_invisible_characters_is_kept_as_it_reads(
    agent_client, world, tmp_path, corpus_file, kept
):
    from evidence.services import evidence_delete

    upload_name, _outcome = BAD_INPUTS[corpus_file]
    path = tmp_path / upload_name
    shutil.copy(BAD_INPUTS_DIR / corpus_file, path)
    call_command("add_evidence", world.order_a.platform_order_id, str(path), "--kind", "other")
    added = EvidenceItem.objects.get()
    assert added.original_name == kept
    evidence_delete(item=added, by=world.manager_a, reason="added twice to test both doors")
    response = upload(
        agent_client,
        world.order_a,
        path.read_bytes(),
        "photo.jpg",
        file_name=upload_name,
        content_type="image/jpeg",
    )
    assert response.status_code == 201
    assert EvidenceItem.objects.present().get().original_name == kept
