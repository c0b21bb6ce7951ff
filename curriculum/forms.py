from __future__ import annotations

from django import forms

from curriculum.package import MAX_PACKAGE_BYTES


class UploadForm(forms.Form):
    package = forms.FileField(
        label="Course package",
        help_text=(
            "One YAML or JSON file, or a zip of a folder with <code>course.yaml</code> and its "
            f"figures; at most {MAX_PACKAGE_BYTES // (1024 * 1024)} MB. "
            'See <a href="https://github.com/">docs/curriculum-format.md</a>.'
        ),
    )

    source_format = forms.ChoiceField(
        label="Format",
        choices=[
            ("native", "Our course format (YAML / JSON, or a zip with figures)"),
            (
                "oatutor",
                "OATutor content pool (a zip of coursePlans.json, skillModel.json and content-pool-json.tar.gz)",
            ),
        ],
        initial="native",
    )

    def clean_package(self):
        upload = self.cleaned_data["package"]
        # Refused before anything is read into memory or stored.
        if upload.size > MAX_PACKAGE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {MAX_PACKAGE_BYTES:,} bytes."
            )
        name = upload.name.lower()
        if not name.endswith((".yaml", ".yml", ".json", ".zip")):
            raise forms.ValidationError("Upload a .yaml, .yml, .json or .zip file.")
        return upload

    def clean(self):
        data = super().clean()
        upload = data.get("package")
        if (
            data.get("source_format") == "oatutor"
            and upload
            and not upload.name.lower().endswith(".zip")
        ):
            self.add_error("package", "An OATutor pool is uploaded as a .zip of its folder.")
        return data
