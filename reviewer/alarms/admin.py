"""Alarms in the admin: QA admins look at alarms, verdicts and frozen thresholds, and edit the
clinical rules, where saving stores the next version (nothing is ever changed in place)."""

from django import forms
from django.contrib import admin

from reviewer.alarms import rule_versions
from reviewer.alarms.models import (
    Alarm,
    AlarmVerdict,
    EnsembleAgreement,
    FrozenThreshold,
    RuleConfiguration,
    ThresholdSet,
)
from reviewer.core.admin import OperatorModelAdmin
from reviewer.core.permissions import OPERATOR_ROLES, has_role

NOT_EDITED = ("id", "version", "created_by", "created_at")


class ReadOnlyAdmin(OperatorModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alarm)
class AlarmAdmin(ReadOnlyAdmin):
    list_display = ("id", "exam", "kind", "reason", "raised_at", "cleared_at")
    list_filter = ("kind",)


@admin.register(AlarmVerdict)
class AlarmVerdictAdmin(ReadOnlyAdmin):
    list_display = ("id", "alarm", "reader", "true_alarm", "created_at")
    list_filter = ("true_alarm",)


@admin.register(EnsembleAgreement)
class EnsembleAgreementAdmin(ReadOnlyAdmin):
    list_display = ("exam", "target", "model_version", "dice", "hausdorff_mm")


class FrozenThresholdInline(admin.TabularInline):
    model = FrozenThreshold
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ThresholdSet)
class ThresholdSetAdmin(ReadOnlyAdmin):
    list_display = ("id", "cohort", "scaled_mad", "created_by", "created_at")
    inlines = [FrozenThresholdInline]


class RuleConfigurationForm(forms.ModelForm):
    based_on = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = RuleConfiguration
        fields = [f.name for f in RuleConfiguration._meta.fields if f.name not in NOT_EDITED]

    def clean_based_on(self):
        based_on = self.cleaned_data["based_on"]
        current = RuleConfiguration.objects.current().version
        if based_on != current:
            raise forms.ValidationError(
                f"Someone changed the rules meanwhile: version {current} is current. Reload."
            )
        return based_on


@admin.register(RuleConfiguration)
class RuleConfigurationAdmin(OperatorModelAdmin):
    """Adding stores the next version, starting from the current one; versions are read only."""

    form = RuleConfigurationForm
    list_display = (
        "version", "created_at", "created_by", "note", "growth_percent", "new_lesion_minimum_mm3",
        "many_components_count",
    )  # fmt: skip

    def has_add_permission(self, request):
        return has_role(request.user, OPERATOR_ROLES)

    def has_change_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        current = RuleConfiguration.objects.current()
        initial = {
            field.name: getattr(current, field.name)
            for field in RuleConfiguration._meta.fields
            if field.name not in NOT_EDITED
        }
        return {**initial, "note": "", "based_on": current.version}

    def save_model(self, request, obj, form, change):
        rule_versions.publish_rules(obj, user=request.user, based_on=form.cleaned_data["based_on"])
