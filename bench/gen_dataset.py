#!/usr/bin/env python3
"""Writes a bantin dataset (JSON lines, the `bantin export` format) with N articles and M meetings,
each article reporting on one meeting, with two authors, in Vietnamese drawn from the demo data."""
import json
import random
import sys

articles, meetings = int(sys.argv[1]), int(sys.argv[2])
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
for m in range(1, meetings + 1):
    line("meeting_organization", {"meeting_id": m, "organization_id": 1, "role": "host", "position": 0})
for a in range(1, articles + 1):
    line("article_author", {"article_id": a, "position": 0, "name": "Thu Hường"})
    line("article_author", {"article_id": a, "position": 1, "name": "Văn Hiệp"})
for a in range(1, articles + 1):
    line("article_meeting", {"article_id": a, "meeting_id": (a % meetings) + 1, "position": 0})
