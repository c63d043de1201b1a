"""The campaign's ledger: every allocation with method, date, who delivered and the receipt."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.core import access
from nuanxin.core.masking import mask_id_number, mask_phone
from nuanxin.core.xlsx import LedgerSheet, write_ledger
from nuanxin.regions.models import Region

from . import selectors

HEADERS = ["姓名", "身份证号", "电话", "地址", "区划代码", "街道", "社区", "方式", "状态",
           "通知结果", "通知时间", "发放时间", "发放人", "签收人", "签收人姓名", "拒收原因"]  # fmt: skip


def allocations_export(
    *, user, campaign, target, region: str = "", reveal: bool = False, reason: str = "",
    request=None,
) -> int:  # fmt: skip
    """The rows the user may *export*, audited; returns the row count.

    Identifiers are masked unless `reveal`: that needs a reason, and shows in clear
    only the rows of regions where the user may reveal (the people export's rule).
    """
    if access.scope(user, access.Action.EXPORT).nowhere:
        raise PermissionDenied(_("You may not export."))
    reason = (reason or "").strip()
    may_reveal = access.scope(user, access.Action.REVEAL)
    if reveal:
        if len(reason) < 2:
            raise ValidationError({"reason": _("Say why you need the numbers in clear.")})
        if may_reveal.nowhere:
            raise PermissionDenied(_("You may not reveal identifiers."))
    rows_qs = selectors.allocation_list(
        user=user, campaign=campaign, region=region, action=access.Action.EXPORT
    )
    names = dict(Region.objects.values_list("code", "name"))

    def local(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    def rows():
        for a in rows_qs.iterator(chunk_size=2000):
            p, code = a.person, a.region_id
            clear = reveal and may_reveal.covers(code)
            yield [
                p.name,
                (p.id_number or "") if clear else mask_id_number(p.id_number or ""),
                p.phone if clear else mask_phone(p.phone),
                p.address,
                code,
                names.get(code[:9] + "000", "") if code[6:9] != "000" else "",
                names.get(code[:12], "") if code[9:12] != "000" else "",
                a.get_method_display(),
                a.get_status_display(),
                a.get_call_outcome_display() if a.call_outcome else "",
                local(a.notified_at),
                local(a.delivered_at),
                a.delivered_by.get_full_name() or a.delivered_by.get_username()
                if a.delivered_by
                else "",
                a.get_signer_display() if a.signer else "",
                a.signer_name,
                a.refused_reason,
            ]

    count = write_ledger(target, [LedgerSheet(title=campaign.name, headers=HEADERS, rows=rows())])
    audit_record(user=user, action=AuditAction.REVEAL if reveal else AuditAction.EXPORT,
                 obj=campaign, request=request, reason=reason,
                 changes={"rows": count, "region": region, "in_clear": reveal})  # fmt: skip
    return count


def fen(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def fund_export(*, user, fund, target, request=None) -> int:
    """The reconciliation (one row a region) and every entry, in yuan to the fen; audited."""
    if access.scope(user, access.Action.EXPORT).nowhere:
        raise PermissionDenied(_("You may not export."))
    recon = selectors.reconciliation(user=user, fund=fund, action=access.Action.EXPORT)
    kinds = ("income", "transfer_in", "transfer_out", "purchase", "refund", "correction")
    summary = [
        [
            r["region_id"],
            r["name"],
            *(fen(r[k]) for k in kinds),
            fen(r["total"]),
            fen(r["balance"]),
            "是" if r["balanced"] else "否",
        ]  # fmt: skip
        for r in recon["rows"]
    ]
    entries = selectors.fund_entries(user=user, fund=fund, action=access.Action.EXPORT)

    def entry_rows():
        for e in entries.iterator(chunk_size=2000):
            yield [str(e.pk), timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
                   e.region_id, e.region.name, e.get_kind_display(), fen(e.amount_fen),
                   e.counterpart.name if e.counterpart_id else "",
                   e.campaign.name if e.campaign_id else "",
                   str(e.reverses_id or ""), e.note,
                   e.created_by.get_username() if e.created_by_id else ""]  # fmt: skip

    count = write_ledger(
        target,
        [
            LedgerSheet(
                title="对账",
                headers=[
                    "区划代码",
                    "区域",
                    "收入",
                    "下拨收到",
                    "下拨支出",
                    "采购",
                    "退款",
                    "更正",
                    "分录合计",
                    "余额",
                    "相符",
                ],  # fmt: skip
                rows=summary,
            ),
            LedgerSheet(
                title="分录",
                headers=[
                    "编号",
                    "时间",
                    "区划代码",
                    "区域",
                    "类别",
                    "金额(元)",
                    "对方区域",
                    "专项行动",
                    "冲销分录",
                    "备注",
                    "录入人",
                ],  # fmt: skip
                rows=entry_rows(),
            ),
        ],
    )
    audit_record(user=user, action=AuditAction.EXPORT, obj=fund, request=request,
                 changes={"rows": count})  # fmt: skip
    return count
