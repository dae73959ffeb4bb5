"""import_brats: BraTS 2020 and 2021-2023 layouts, orientations, label schemes; all or nothing."""

import datetime
import re

import nibabel as nib
import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from imaging.errors import ImagingInputError
from reviewer.cases.models import Exam, IdentityLink, Patient, Series
from reviewer.imports.services import import_brats
from segmentation.models import Lesion, Segmentation
from tests.reviewer.imports import brats_builders as build

pytestmark = pytest.mark.django_db


def stored_array(series_or_segmentation) -> np.ndarray:
    image = nib.load(default_storage.path(series_or_segmentation.file.name))
    return np.asanyarray(image.dataobj), image.affine


def nothing_stored(media_root) -> bool:
    files = [p for p in media_root.rglob("*") if p.is_file()]
    return not files and not Patient.objects.exists() and not Series.objects.exists()


def test_brats_2020_exam_folder_with_nii_files_imports_four_series_and_its_reference(tmp_path):
    build.write_exam_folder(tmp_path, "BraTS20_Training_001", extension=".nii")

    [patient] = import_brats(tmp_path)

    exam = patient.exams.get()
    assert sorted(exam.series.values_list("sequence", flat=True)) == ["FLAIR", "T1", "T1CE", "T2"]
    reference = exam.segmentations.get(source=Segmentation.Source.REFERENCE)
    assert reference.label_scheme == "brats2020"
    labels, _ = stored_array(reference)
    np.testing.assert_array_equal(labels, build.label_map(4))


def test_brats_2023_layout_with_label_3_is_detected_as_the_2023_scheme(tmp_path):
    build.write_exam_folder(tmp_path, "BraTS-GLI-00007-000", layout="2023", enhancing=3)

    [patient] = import_brats(tmp_path)

    assert patient.exams.get().segmentations.get().label_scheme == "brats2023"


def test_brats_2023_names_make_timepoints_of_one_patient(tmp_path):
    build.write_exam_folder(tmp_path, "BraTS-GLI-00007-000", layout="2023", enhancing=3)
    build.write_exam_folder(tmp_path, "BraTS-GLI-00007-001", layout="2023", enhancing=3, seed=1)

    [patient] = import_brats(tmp_path)

    assert list(patient.exams.values_list("source_name", "order")) == [
        ("BraTS-GLI-00007-000", 0),
        ("BraTS-GLI-00007-001", 1),
    ]


def test_an_lps_exam_folder_is_stored_in_ras_with_the_same_voxels_in_physical_space(tmp_path):
    build.write_exam_folder(tmp_path / "ras", "exam_ras")
    build.write_exam_folder(tmp_path / "lps", "exam_lps", lps=True)

    [ras] = import_brats(tmp_path / "ras")
    [lps] = import_brats(tmp_path / "lps")

    for sequence in ("FLAIR", "T1CE"):
        ras_data, ras_affine = stored_array(
            Series.objects.get(exam__patient=ras, sequence=sequence)
        )
        lps_data, lps_affine = stored_array(
            Series.objects.get(exam__patient=lps, sequence=sequence)
        )
        np.testing.assert_array_equal(lps_data, ras_data)
        np.testing.assert_allclose(lps_affine, ras_affine)
    assert nib.aff2axcodes(ras_affine) == ("R", "A", "S")


def test_manifest_dates_order_the_exams_and_group_the_patient(tmp_path):
    build.write_exam_folder(tmp_path, "late")
    build.write_exam_folder(tmp_path, "early", seed=1)
    (tmp_path / "exams.csv").write_text(
        "case,patient,exam_date,label_scheme\nlate,P1,2024-06-01,brats2020\nearly,P1,2024-01-15,brats2020\n"
    )

    [patient] = import_brats(tmp_path)

    assert [(e.source_name, e.date) for e in patient.exams.order_by("order")] == [
        ("early", datetime.date(2024, 1, 15)),
        ("late", datetime.date(2024, 6, 1)),
    ]


def test_reference_lesions_are_26_connected_components_measured_in_ml(tmp_path):
    build.write_exam_folder(tmp_path, "exam")

    import_brats(tmp_path)

    voxel_ml = 1.5 * 1.5 * 2.0 / 1000
    lesions = list(Lesion.objects.order_by("index"))
    assert [lesion.voxel_count for lesion in lesions] == [6 * 6 * 4, 8]
    assert lesions[0].volume_ml == pytest.approx(144 * voxel_ml)
    assert lesions[0].label_voxels == {"1": 8, "2": 144 - 32, "4": 24}
    assert lesions[1].label == 2


def test_patients_get_random_pseudonyms_and_the_source_name_only_in_the_identity_link(tmp_path):
    build.write_exam_folder(tmp_path, "BraTS20_Training_042")

    [patient] = import_brats(tmp_path)

    assert "042" not in patient.pseudonym and patient.pseudonym.startswith("NR-")
    assert IdentityLink.objects.get(patient=patient).source_patient_id == "BraTS20_Training_042"


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("missing_sequence", "missing sequence(s) T1CE"),
        ("unknown_file", "unknown file name"),
        ("truncated", "unreadable NIfTI"),
        ("shape", "shape (12, 10, 7) differs"),
        ("affine", "affine differs"),
        ("labels", "labels [3] are not defined in the brats2020 scheme"),
        ("not_nifti", "unreadable NIfTI"),
    ],
)
def test_a_bad_exam_folder_is_refused_naming_the_file_and_nothing_is_stored(
    tmp_path, media_root, damage, expected
):
    build.write_exam_folder(tmp_path, "good")
    bad = build.write_exam_folder(
        tmp_path, "bad", skip=("t1ce",) if damage == "missing_sequence" else ()
    )
    t2 = bad / "bad_t2.nii.gz"
    if damage == "unknown_file":
        (bad / "bad_adc.nii.gz").write_bytes(t2.read_bytes())
    elif damage == "truncated":
        t2.write_bytes(t2.read_bytes()[:200])
    elif damage == "shape":
        build.write_nifti(t2, build.images()["t2"][:, :, :7], build.RAS_AFFINE)
    elif damage == "affine":
        build.write_nifti(t2, build.images()["t2"], build.RAS_AFFINE * 1.1)
    elif damage == "labels":
        labels = build.label_map(4)
        labels[0, 9, 7] = 3
        build.write_nifti(bad / "bad_seg.nii.gz", labels, build.RAS_AFFINE)
    elif damage == "not_nifti":
        t2.write_bytes(b"this is a text file, not an image")

    with pytest.raises(ImagingInputError, match=re.escape(expected)) as raised:
        import_brats(tmp_path)

    assert "bad" in raised.value.source
    assert nothing_stored(media_root)


def test_importing_the_same_exam_folder_twice_is_refused_and_keeps_the_first(tmp_path):
    build.write_exam_folder(tmp_path, "exam")
    import_brats(tmp_path)

    with pytest.raises(ImagingInputError, match="already imported"):
        import_brats(tmp_path)

    assert Exam.objects.count() == 1 and Series.objects.count() == 4


def test_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(ImagingInputError, match="no BraTS exam folder found"):
        import_brats(tmp_path)


def test_the_command_reports_the_error_and_imports_nothing(tmp_path):
    build.write_exam_folder(tmp_path, "exam", skip=("flair",))

    with pytest.raises(CommandError, match="Nothing was imported.*missing sequence"):
        call_command("import_brats", str(tmp_path))

    assert not Patient.objects.exists()


def test_the_command_accepts_an_explicit_label_scheme(tmp_path):
    build.write_exam_folder(tmp_path, "exam", enhancing=2)

    call_command("import_brats", str(tmp_path), "--label-scheme", "brats2023")

    assert Segmentation.objects.get().label_scheme == "brats2023"


def test_the_case_page_shows_each_exam_with_its_lesions_by_region(tmp_path, make_user, client_for):
    build.write_exam_folder(tmp_path, "exam")
    [patient] = import_brats(tmp_path)

    page = client_for(make_user("qa_admin")).get(f"/cases/{patient.pseudonym}/").content.decode()

    reference = patient.exams.get().segmentations.get(source="reference")
    total_ml = sum(reference.lesions.values_list("volume_ml", flat=True))
    assert 'data-exam="0"' in page and "baseline" in page and "T1CE" in page
    assert "Oedema" in page and f"{total_ml:.1f}" in page
