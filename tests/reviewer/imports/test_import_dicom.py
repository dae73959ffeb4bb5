"""import_dicom: grouping, de-identification before storage, geometry; all or nothing."""

import datetime
import io
import json
import zipfile

import nibabel as nib
import numpy as np
import pydicom
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from pydicom.uid import generate_uid

from imaging.errors import ImagingInputError
from imaging.sequences import Sequence
from reviewer.cases.models import AcquiredSeries, Exam, IdentityLink, Patient
from reviewer.imports.services import import_dicom
from tests.imaging.dicom_builders import AXIAL, SAGITTAL, write_enhanced, write_series
from tests.imaging.test_dicom_real_files import dicomdir_media

CORONAL = ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0))

pytestmark = pytest.mark.django_db

DESCRIPTIONS = {"flair": "AX FLAIR", "t1": "AX T1", "t1ce": "AX T1 POST GD", "t2": "AX T2"}


def write_study(
    root, *, study_date="20200115", patient_id="PAT-0001", descriptions=DESCRIPTIONS, **options
):
    study_uid = generate_uid()
    return {
        name: write_series(
            root / study_date / name,
            study_uid=study_uid,
            description=description,
            study_date=study_date,
            patient_id=patient_id,
            **options,
        )
        for name, description in descriptions.items()
    }


def nothing_stored(media_root) -> bool:
    return not any(p.is_file() for p in media_root.rglob("*")) and not Patient.objects.exists()


def test_a_study_becomes_one_exam_with_its_four_sequences_and_other_series_are_left_out(tmp_path):
    write_study(tmp_path, descriptions={**DESCRIPTIONS, "dwi": "DWI b1000"})
    reports = []

    [patient] = import_dicom(tmp_path, series_report=reports.append)

    exam = patient.exams.get()
    assert sorted(exam.acquired_series.values_list("sequence", flat=True)) == [
        "FLAIR",
        "T1",
        "T1CE",
        "T2",
    ]
    [seen] = reports
    assert [(s.description, s.left_out) for s in seen if s.left_out] == [("DWI b1000", "diffusion")]


def test_a_study_as_scanners_export_it_imports_its_four_sequences(tmp_path):
    study_uid = write_study(tmp_path)["flair"].study_uid
    localizer_uid = generate_uid()
    for name, orientation in [("ax", AXIAL), ("sag", SAGITTAL), ("cor", CORONAL)]:
        write_series(
            tmp_path / "loc" / name,
            orientation=orientation,
            slices=3,
            study_uid=study_uid,
            series_uid=localizer_uid,
            description="3Plane Loc SSFSE",
        )
    write_series(
        tmp_path / "adc",
        study_uid=study_uid,
        description="Apparent Diffusion Coefficient",
        edit=lambda k, ds: setattr(ds, "ImageType", ["DERIVED", "PRIMARY", "ADC"]),
    )

    [patient] = import_dicom(tmp_path)

    assert patient.exams.get().acquired_series.count() == 4


def test_of_two_series_of_one_sequence_one_is_imported_and_the_other_reported(tmp_path):
    written = write_study(tmp_path)
    repeat = write_series(
        tmp_path / "flair2",
        study_uid=written["flair"].study_uid,
        description="AX FLAIR repeat",
        edit=lambda k, ds: setattr(ds, "SeriesNumber", 9),
    )
    reports = []

    import_dicom(tmp_path, series_report=reports.append)

    uid_map = IdentityLink.objects.get().uid_map
    assert (
        uid_map[AcquiredSeries.objects.get(sequence="FLAIR").dicom_series_uid] == repeat.series_uid
    )
    [left_out] = [s for s in reports[0] if s.left_out]
    assert left_out.series_uid == written["flair"].series_uid


def test_without_any_of_the_four_sequences_the_import_fails_listing_every_series(
    tmp_path, media_root
):
    write_study(tmp_path, descriptions={"loc": "Localizer", "dwi": "DWI"})

    with pytest.raises(ImagingInputError, match="no FLAIR, T1, T1CE or T2") as caught:
        import_dicom(tmp_path)

    heading, *lines = caught.value.reason.splitlines()[1:]
    assert heading == "Series seen:"
    assert sorted(lines) == [
        "- study 1, series 3 'DWI' (6 files): left out: diffusion",
        "- study 1, series 3 'Localizer' (6 files): left out: localizer",
    ]
    assert nothing_stored(media_root)


def test_nothing_identifying_is_stored_beside_the_patient(tmp_path):
    write_study(tmp_path)

    [patient] = import_dicom(tmp_path)

    stored = json.dumps(
        list(AcquiredSeries.objects.values("dicom_header", "dicom_study_uid", "dicom_series_uid"))
    )
    stored += json.dumps(list(Exam.objects.values("source_name", "dicom_study_uid")))
    for identifier in (
        "Doe",
        "PAT-0001",
        "19700101",
        "ACC123456",
        "General Hospital",
        "House",
        "MRI3T",
    ):
        assert identifier not in stored
    header = AcquiredSeries.objects.filter(exam__patient=patient).first().dicom_header
    assert header["PatientName"] == patient.pseudonym and header["PatientIdentityRemoved"] == "YES"


def test_exam_dates_are_shifted_by_the_patients_offset_kept_in_the_identity_link(tmp_path):
    write_study(tmp_path / "a", study_date="20200115")
    write_study(tmp_path / "b", study_date="20200415")

    [patient] = import_dicom(tmp_path)

    link = IdentityLink.objects.get(patient=patient)
    shift = datetime.timedelta(days=link.date_shift_days)
    assert link.date_shift_days < 0
    assert [e.date for e in patient.exams.order_by("order")] == [
        datetime.date(2020, 1, 15) + shift,
        datetime.date(2020, 4, 15) + shift,
    ]
    assert link.source_patient_id == "PAT-0001" and link.source_patient_name == "Doe^Jane"


def test_uids_are_replaced_and_mapped_back_for_the_steward(tmp_path):
    written = write_study(tmp_path)

    import_dicom(tmp_path)

    series = AcquiredSeries.objects.get(sequence="FLAIR")
    assert series.dicom_series_uid != written["flair"].series_uid
    uid_map = IdentityLink.objects.get().uid_map
    assert uid_map[series.dicom_series_uid] == written["flair"].series_uid
    assert uid_map[series.dicom_study_uid] == written["flair"].study_uid


def test_a_later_study_of_the_same_patient_joins_the_same_pseudonym(tmp_path):
    write_study(tmp_path / "first", study_date="20200115")
    write_study(tmp_path / "second", study_date="20210115")

    [first] = import_dicom(tmp_path / "first")
    [second] = import_dicom(tmp_path / "second")

    assert first == second and second.exams.count() == 2


def test_several_studies_of_one_patient_in_one_upload_become_separate_exams(tmp_path):
    write_study(tmp_path, study_date="20200115")
    write_study(tmp_path, study_date="20210115", descriptions={"flair": "AX FLAIR"})

    [patient] = import_dicom(tmp_path)

    exams = patient.exams.order_by("date")
    assert [exam.acquired_series.count() for exam in exams] == [4, 1]


def test_an_enhanced_multiframe_series_imports_like_single_frame_slices(tmp_path):
    written = write_study(tmp_path, descriptions={"t1": "AX T1"})
    write_enhanced(tmp_path / "flair", study_uid=written["t1"].study_uid)

    [patient] = import_dicom(tmp_path)

    flair, t1 = (patient.exams.get().acquired_series.get(sequence=s) for s in ("FLAIR", "T1"))
    assert flair.shape == t1.shape and flair.affine == t1.affine


def test_voxels_keep_their_physical_position(tmp_path):
    written = write_study(tmp_path)["t2"]

    import_dicom(tmp_path)

    image = nib.load(default_storage.path(AcquiredSeries.objects.get(sequence="T2").file.name))
    for k, (i, j) in [(0, (0, 0)), (5, (11, 9)), (3, (4, 7))]:
        lps = (
            written.positions[k]
            + i * 0.8 * np.array(written.orientation[0])
            + j * 0.9 * np.array(written.orientation[1])
        )
        ras = lps * [-1, -1, 1]
        voxel = np.round(np.linalg.inv(image.affine) @ np.append(ras, 1))[:3].astype(int)
        assert np.asanyarray(image.dataobj)[tuple(voxel)] == written.values[i, j, k]


def test_a_zip_imports_like_the_folder(tmp_path):
    write_study(tmp_path / "study")
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in (tmp_path / "study").rglob("*"):
            handle.write(path, path.relative_to(tmp_path))

    [patient] = import_dicom(archive)

    assert patient.exams.get().acquired_series.count() == 4


def test_a_sequence_override_names_an_unrecognized_series(tmp_path):
    write_study(tmp_path, descriptions={"flair": "AX FLAIR", "odd": "SE 5000/120"})

    call_command("import_dicom", str(tmp_path), "--sequence", "SE 5000/120=T2")

    assert sorted(AcquiredSeries.objects.values_list("sequence", flat=True)) == ["FLAIR", "T2"]


def test_real_media_without_the_four_sequences_fails_listing_each_series_and_why(
    tmp_path, media_root
):
    with pytest.raises(ImagingInputError, match="no FLAIR, T1, T1CE or T2") as caught:
        import_dicom(dicomdir_media(tmp_path))

    lines = caught.value.reason.splitlines()
    assert len(lines) == 2 + 13  # pydicom's dicomdirtests hold 13 series in 6 studies
    assert "- study 5, series 1 'FAST LOCALIZER' (1 file): left out: localizer" in lines
    assert nothing_stored(media_root)


def test_the_command_lists_every_series_seen(tmp_path):
    write_study(tmp_path, descriptions={"flair": "AX FLAIR", "dwi": "DWI b1000"})
    out = io.StringIO()

    call_command("import_dicom", str(tmp_path), stdout=out)

    assert "series 3 'DWI b1000' (6 files): left out: diffusion" in out.getvalue()
    assert "series 3 'AX FLAIR' (6 files): chosen as FLAIR" in out.getvalue()


def test_sequences_on_different_grids_are_kept_each_on_its_own(tmp_path):
    written = write_study(tmp_path / "study", study_date="20190101")
    for path in written["t2"].files:
        path.unlink()
    write_series(
        tmp_path / "study" / "t2thin",
        study_uid=written["t1"].study_uid,
        description="AX T2 thin",
        slice_spacing=1.0,
        study_date="20190101",
    )

    [patient] = import_dicom(tmp_path / "study")

    acquired = {s.sequence: s for s in patient.exams.get().acquired_series.all()}
    assert acquired["T2"].spacing[2] == pytest.approx(1.0)
    assert acquired["T2"].affine != acquired["T1"].affine


def test_each_imported_exam_has_a_preprocessing_run_queued(tmp_path):
    write_study(tmp_path)

    [patient] = import_dicom(tmp_path)

    run = patient.exams.get().preprocessing_runs.get()
    assert run.status == run.Status.QUEUED
    assert run.parameters["spacing_mm"] == settings.NEUROREVIEW_PREPARED_SPACING_MM


def break_slice_gap(folder):
    files = sorted(folder.iterdir())
    files[len(files) // 2].unlink()


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("not_dicom", "not a DICOM file"),
        ("truncated", "IM"),
        ("missing_slice", "missing"),
        ("burned_in", "sc/IM.*BurnedInAnnotation"),
    ],
)
def test_bad_dicom_is_refused_with_the_reason_and_nothing_is_stored(
    tmp_path, media_root, damage, expected
):
    written = write_study(tmp_path / "good", study_date="20190101")
    if damage == "not_dicom":
        (tmp_path / "good" / "notes.txt").write_text("scanner log")
    elif damage == "truncated":
        victim = written["t2"].files[2]
        victim.write_bytes(victim.read_bytes()[:-300])
    elif damage == "missing_slice":
        written["t2"].files[2].unlink()
    elif damage == "burned_in":
        write_series(
            tmp_path / "good" / "sc",
            study_uid=written["t1"].study_uid,
            description="AX T2 annotated",
            study_date="20190101",
            edit=lambda k, ds: setattr(ds, "BurnedInAnnotation", "YES"),
        )
        for path in written["t2"].files:
            path.unlink()

    with pytest.raises(ImagingInputError, match=expected):
        import_dicom(tmp_path / "good")

    assert nothing_stored(media_root)


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(ImagingInputError):
        import_dicom(tmp_path)


def test_a_zip_with_path_traversal_is_refused(tmp_path, media_root):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("../../etc/evil.dcm", b"x")

    with pytest.raises(ImagingInputError, match="evil.dcm"):
        import_dicom(archive)

    assert nothing_stored(media_root)


def test_sequences_can_be_overridden_by_series_uid(tmp_path):
    written = write_study(tmp_path, descriptions={"odd": "localizer-ish"})

    [patient] = import_dicom(tmp_path, sequence_overrides={written["odd"].series_uid: Sequence.T1})

    assert list(patient.exams.get().acquired_series.values_list("sequence", flat=True)) == ["T1"]


def test_a_decompression_bomb_is_refused_before_anything_is_written(tmp_path, media_root):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("study/IM0001", b"\0" * (64 * 1024 * 1024))

    with pytest.raises(ImagingInputError, match="bomb.zip.*IM0001"):
        import_dicom(archive)

    assert nothing_stored(media_root)


def test_an_acquired_series_is_described_by_number_and_plane_not_by_its_description(tmp_path):
    write_study(tmp_path, descriptions={**DESCRIPTIONS, "flair": "AX FLAIR for Dr Smith"})

    import_dicom(tmp_path)

    flair = AcquiredSeries.objects.get(sequence="FLAIR")
    assert flair.description.startswith("series ")
    assert flair.description.endswith(" axial")
    assert "Smith" not in flair.description


def test_each_slice_keeps_its_instance_uid_replaced_and_mapped_back_for_the_steward(tmp_path):
    written = write_study(tmp_path)

    import_dicom(tmp_path)

    flair = AcquiredSeries.objects.get(sequence="FLAIR")
    uid_map = IdentityLink.objects.get().uid_map
    originals = [uid_map[uid] for uid, _ in flair.dicom_instances]
    assert originals == [pydicom.dcmread(f).SOPInstanceUID for f in written["flair"].files]
    assert not set(originals) & {uid for uid, _ in flair.dicom_instances}


def test_the_frame_of_reference_is_mapped_back_for_results_sent_to_the_pacs(tmp_path):
    written = write_study(tmp_path)

    import_dicom(tmp_path)

    replaced = AcquiredSeries.objects.get(sequence="T1").dicom_header["FrameOfReferenceUID"]
    original = pydicom.dcmread(written["t1"].files[0]).FrameOfReferenceUID
    assert IdentityLink.objects.get().uid_map[replaced] == original
