openjdk version "25.0.3" 2026-04-21 LTS
