def test_health_reports_database_and_queue(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] is True
    assert body["queue"]["mode"] in ("embedded", "redis")
    assert body["version"]
