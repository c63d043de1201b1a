"""Every follow-up has an owner, is listed until done, and links from the visit."""

import datetime as dt

from django.utils import timezone

from nuanxin.casework.models import ServiceTask, TaskKind
from nuanxin.casework.services.service_tasks import service_task_cancel
from nuanxin.visits.models import FollowUp
from tests.test_story_s1 import _record_visit


def _s1_visit(client, grid_worker, ms_cai, volunteer):
    _record_visit(
        client, grid_worker, ms_cai, volunteer, timezone.localdate() - dt.timedelta(days=1)
    )
    return ServiceTask.objects.get(person=ms_cai, kind=TaskKind.RECTIFICATION)


def test_it_gives_the_failed_safety_item_to_the_persons_usual_worker(
    client, grid_worker, volunteer, ms_cai
):
    rectification = _s1_visit(client, grid_worker, ms_cai, volunteer)

    # 蔡阿姨 lives in 和美社区第一网格: its grid worker answers for the hose.
    assert rectification.assignee == grid_worker
    follow_up = FollowUp.objects.get(person=ms_cai, kind="rectification")
    assert follow_up.owner == grid_worker
    assert follow_up.closed_at is None


def test_it_lists_open_follow_ups_with_their_owner_and_a_link(
    client, grid_worker, volunteer, community_worker, ms_cai
):
    rectification = _s1_visit(client, grid_worker, ms_cai, volunteer)
    client.force_login(community_worker)

    page = client.get("/follow-ups/").content.decode()
    home = client.get("/")

    assert f'href="/tasks/{rectification.pk}/"' in page
    assert grid_worker.username in page or grid_worker.get_full_name() in page
    assert page.count('class="list-group-item"') == 4  # three daily tasks and the hose
    assert home.context["home"].follow_ups == 4
    visit = FollowUp.objects.get(pk=rectification.follow_up_id).visit
    detail = client.get(f"/visits/{visit.pk}/").content.decode()
    assert f'href="/tasks/{rectification.pk}/"' in detail


def test_it_drops_a_follow_up_from_the_list_when_its_task_ends(
    client, grid_worker, volunteer, community_worker, ms_cai
):
    rectification = _s1_visit(client, grid_worker, ms_cai, volunteer)

    service_task_cancel(user=community_worker, task_id=rectification.pk, reason="换了新软管")

    assert FollowUp.objects.get(pk=rectification.follow_up_id).closed_at is not None
    client.force_login(community_worker)
    page = client.get("/follow-ups/").content.decode()
    assert f'href="/tasks/{rectification.pk}/"' not in page


def test_it_answers_the_usual_worker_of_many_regions_in_one_query(
    django_assert_num_queries, grid_worker, community_worker
):
    from nuanxin.accounts.models import User
    from nuanxin.accounts.selectors import usual_worker, usual_workers
    from tests.conftest import HEMEI, HEMEI_GRID1, HEMEI_GRID2, JINJIANG_COMMUNITY
    from tests.factories import make_user

    make_user("a_hemei_worker", "community_worker", HEMEI)  # first by login name
    gone = make_user("a_gone_worker", "grid_worker", HEMEI_GRID2)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    codes = [HEMEI_GRID1, HEMEI_GRID2, HEMEI, JINJIANG_COMMUNITY]
    with django_assert_num_queries(1):
        worker = usual_workers(codes)
        found = {code: getattr(worker(code), "username", None) for code in codes}
    assert found == {
        HEMEI_GRID1: "hemei_grid1",
        HEMEI_GRID2: "a_hemei_worker",  # its grid worker left: the community's
        HEMEI: "a_hemei_worker",
        JINJIANG_COMMUNITY: None,
    }
    assert {code: getattr(usual_worker(code), "username", None) for code in codes} == found
