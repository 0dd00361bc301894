from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "microloan.risk"
    label = "risk"
    verbose_name = _("Risk")

    def ready(self) -> None:
        from .home import register as register_home_figures

        register_home_figures()
        from microloan.backoffice.navigation import NAV_ITEMS

        NAV_ITEMS.append((_("Blacklist"), "risk:blacklist", "risk.view_blacklistentry"))
        NAV_ITEMS.append((_("Risk rule sets"), "risk:rulesets", "risk.view_ruleset"))
        NAV_ITEMS.append((_("Scorecards"), "risk:scorecards", "risk.view_scorecard"))
        NAV_ITEMS.append(
            (_("Post-loan checks"), "risk:risk_postloan:checks", "risk.view_postloancheck")
        )
        NAV_ITEMS.append(
            (
                _("Early-warning actions"),
                "risk:risk_postloan:actions",
                "risk.view_earlywarningaction",
            )
        )
        NAV_ITEMS.append(
            (
                _("Early-warning policy"),
                "risk:risk_postloan:policies",
                "risk.view_earlywarningpolicy",
            )
        )

        from .postloan.hooks import register as register_postloan_hook

        register_postloan_hook()  # end of day, "early_warning" slot; idempotent
