openjdk version "17.0.15" 2025-04-15
