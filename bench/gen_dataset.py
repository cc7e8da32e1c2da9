#!/usr/bin/env python3
"""Writes a bantin dataset (JSON lines, the `bantin export` format) with N articles and M meetings,
each article reporting on one meeting, with two authors, in Vietnamese drawn from the demo data.

Usage: gen_dataset.py ARTICLES MEETINGS [--full]

With --full, the meetings also get what a meeting page embeds: 100 more organizations (communes of
the city, as counterparts), 2,000 people, and for each meeting 6 attendees, 4 directives (each with
an assignee; deadlines, statuses and completion dates spread around 2021-12-31) and 3 targets.
Without it the output is the same as before, line for line."""
import datetime
import json
import random
import sys
import unicodedata

args = [a for a in sys.argv[1:] if not a.startswith("--")]
full = "--full" in sys.argv[1:]
articles, meetings = int(args[0]), int(args[1])
rng = random.Random(42)
words = ("Ban Thường vụ Thành ủy làm việc với Đảng ủy phường Tuần Châu về kết quả triển khai thực hiện "
         "các Chỉ thị Nghị quyết của Trung ương Tỉnh Thành phố công tác phòng chống dịch bệnh phương hướng "
         "nhiệm vụ trọng tâm thu ngân sách đạt kế hoạch phát triển đảng viên mới quản lý đất đai xây dựng "
         "trật tự đô thị văn hóa xã hội giáo dục y tế an sinh quốc phòng an ninh chính trị").split()
ts = "2021-11-07T20:42:00"
out = sys.stdout
w = out.write

def line(kind, data):
    w(json.dumps({"type": kind, "data": data}, ensure_ascii=False, separators=(",", ":")))
    w("\n")

line("organization", {"id": 1, "name": "Thành ủy Thái Nguyên", "short_name": None, "kind": "party_committee",
     "level": "district", "parent_id": None, "locality": "Thái Nguyên", "valid_from": None, "valid_to": None,
     "successor_id": None, "created_at": ts, "updated_at": ts, "version": 1})

ORGS, PEOPLE = 100, 2000
ATTENDEES, DIRECTIVES, TARGETS = 6, 4, 3
# The extra records draw from their own generator, so the meetings and articles stay the same.
xrng = random.Random(7)
surnames = "Nguyễn Trần Lê Phạm Hoàng Dương Vũ Đặng Bùi Đỗ Hồ Ngô".split()
middles = "Văn Thị Đức Minh Thu Hồng Quang Thanh Ngọc Xuân".split()
givens = "Lượng Hường Hiệp Hùng Lan Phương Tuấn Dũng Hà Sơn Trang Bình Cường Nga Thắng Yến".split()
titles = ["Bí thư Đảng ủy phường", "Phó Bí thư Thường trực", "Chủ tịch UBND phường", "Ủy viên Ban Thường vụ",
          "Trưởng ban Tuyên giáo", "Chánh Văn phòng Thành ủy"]
roles = ["chair", "co_chair", "attendee", "attendee", "reporter", "speaker", "guest"]
indicators = [("Thu ngân sách nhà nước", "tỷ đồng", "higher_is_better"),
              ("Kết nạp đảng viên mới", "đảng viên", "higher_is_better"),
              ("Tỷ lệ hộ nghèo", "%", "lower_is_better"),
              ("Tỷ lệ tham gia bảo hiểm y tế", "%", "higher_is_better"),
              ("Số vụ vi phạm trật tự đô thị", "vụ", "lower_is_better")]


def fold(s):
    """bantin's folding (src/text.rs) for these words: lower case, no diacritics, đ as d."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "d"))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in s).split())


def day(offset):
    """The date `offset` days from 2021-12-31, as text."""
    return (datetime.date(2021, 12, 31) + datetime.timedelta(days=offset)).isoformat()


if full:
    for o in range(2, ORGS + 2):
        line("organization", {"id": o, "name": f"Đảng ủy phường số {o - 1}", "short_name": None,
             "kind": "party_committee", "level": "commune", "parent_id": None, "locality": "Thái Nguyên",
             "valid_from": None, "valid_to": None, "successor_id": None, "created_at": ts, "updated_at": ts,
             "version": 1})
    for p in range(1, PEOPLE + 1):
        name = f"{xrng.choice(surnames)} {xrng.choice(middles)} {xrng.choice(givens)}"
        line("person", {"id": p, "full_name": name, "current_title": xrng.choice(titles),
             "organization_id": xrng.randint(1, ORGS + 1), "created_at": ts, "updated_at": ts, "version": 1})
for m in range(1, meetings + 1):
    line("meeting", {"id": m, "title": f"Buổi làm việc số {m} " + " ".join(rng.choices(words, k=8)),
         "kind": "working_session", "date": f"2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
         "part_of_day": None, "starts_at": None, "location": None, "chair_person_id": None,
         "topic": " ".join(rng.choices(words, k=20)), "period_label": "năm 2021", "summary": None,
         "status": "held", "created_at": ts, "updated_at": ts, "version": 1})
for a in range(1, articles + 1):
    body = " ".join(rng.choices(words, k=450))  # about 3 KB of Vietnamese text
    line("article", {"id": a, "slug": f"bai-{a}", "title": " ".join(rng.choices(words, k=10)),
         "summary": " ".join(rng.choices(words, k=30)), "body": body, "category": "kinh tế",
         "source_name": None, "source_url": None, "status": "published", "published_at": ts,
         "cover_media_id": None, "created_at": ts, "updated_at": ts, "version": 1})
if full:
    attendee = directive = target = 0
    for m in range(1, meetings + 1):
        for position, p in enumerate(xrng.sample(range(1, PEOPLE + 1), ATTENDEES)):
            attendee += 1
            line("attendee", {"id": attendee, "meeting_id": m, "person_id": p,
                 "role": "chair" if position == 0 else xrng.choice(roles[1:]),
                 "title_at_meeting": xrng.choice(titles), "organization_id": xrng.randint(1, ORGS + 1),
                 "created_at": ts, "updated_at": ts, "version": 1})
    for m in range(1, meetings + 1):
        for ordinal in range(1, DIRECTIVES + 1):
            directive += 1
            status = xrng.choice(["open", "open", "in_progress", "done", "cancelled"])
            due = xrng.randint(-540, 190)
            done_on = day(due + xrng.randint(-60, 30)) if status == "done" else None
            line("directive", {"id": directive, "meeting_id": m, "ordinal": ordinal,
                 "text": " ".join(xrng.choices(words, k=25)), "issued_by_person_id": xrng.randint(1, PEOPLE),
                 "lead_organization_id": xrng.randint(1, ORGS + 1), "source_document": None,
                 "due_date": day(due), "status": status,
                 "completed_at": f"{done_on}T03:00:00" if done_on else None,
                 "created_at": ts, "updated_at": ts, "version": 1, "completed_on": done_on,
                 "cancelled_on": day(xrng.randint(-540, 0)) if status == "cancelled" else None})
    for m in range(1, meetings + 1):
        for _ in range(TARGETS):
            target += 1
            indicator, unit, direction = xrng.choice(indicators)
            plan = float(xrng.randint(10, 1000))
            line("target", {"id": target, "organization_id": xrng.randint(2, ORGS + 1), "meeting_id": m,
                 "indicator": indicator, "unit": unit, "period_label": "năm 2021",
                 "period_start": "2021-01-01", "period_end": "2021-12-31", "plan_value": plan,
                 "actual_value": round(plan * xrng.uniform(0.5, 1.3), 1), "as_of": "2021-12-31",
                 "direction": direction, "reported_percent": None, "note": None,
                 "created_at": ts, "updated_at": ts, "version": 1, "indicator_folded": fold(indicator)})
for m in range(1, meetings + 1):
    line("meeting_organization", {"meeting_id": m, "organization_id": 1, "role": "host", "position": 0})
    if full:
        line("meeting_organization", {"meeting_id": m, "organization_id": (m % ORGS) + 2,
             "role": "counterpart", "position": 1})
for a in range(1, articles + 1):
    line("article_author", {"article_id": a, "position": 0, "name": "Thu Hường"})
    line("article_author", {"article_id": a, "position": 1, "name": "Văn Hiệp"})
for a in range(1, articles + 1):
    line("article_meeting", {"article_id": a, "meeting_id": (a % meetings) + 1, "position": 0})
if full:
    for d in range(1, meetings * DIRECTIVES + 1):
        line("directive_assignee", {"directive_id": d, "organization_id": (d % ORGS) + 2, "position": 0})
