from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from curriculum.package import MAX_PACKAGE_BYTES


class UploadForm(forms.Form):
    package = forms.FileField(
        label=gettext_lazy("Course package"),
        help_text=format_lazy(
            gettext_lazy(
                "One YAML or JSON file, or a zip of a folder with <code>course.yaml</code> and "
                "its figures; at most {mb} MB. See docs/curriculum-format.md."
            ),
            mb=MAX_PACKAGE_BYTES // (1024 * 1024),
        ),
    )

    source_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("native", gettext_lazy("Our course format (YAML / JSON, or a zip with figures)")),
            (
                "oatutor",
                gettext_lazy(
                    "OATutor content pool (a zip of coursePlans.json, skillModel.json and "
                    "content-pool-json.tar.gz)"
                ),
            ),
        ],
        initial="native",
    )

    def clean_package(self):
        upload = self.cleaned_data["package"]
        # Refused before anything is read into memory or stored.
        if upload.size > MAX_PACKAGE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                % {"size": f"{upload.size:,}", "limit": f"{MAX_PACKAGE_BYTES:,}"}
            )
        name = upload.name.lower()
        if not name.endswith((".yaml", ".yml", ".json", ".zip")):
            raise forms.ValidationError(_("Upload a .yaml, .yml, .json or .zip file."))
        return upload

    def clean(self):
        data = super().clean()
        upload = data.get("package")
        if (
            data.get("source_format") == "oatutor"
            and upload
            and not upload.name.lower().endswith(".zip")
        ):
            self.add_error("package", _("An OATutor pool is uploaded as a .zip of its folder."))
        return data
